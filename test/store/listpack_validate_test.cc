// listpack_validate() against malformed blobs (what RDB loading will feed
// it), every truncation and single-byte corruption of a valid listpack, and
// allocation failure leaving a listpack exactly as it was.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/alloc.h"
#include "listpack_test_util.h"
#include "store/listpack.h"

namespace
{

bool valid(const Bytes &b, bool deep = true)
{
    // An exact-size heap copy, so ASan sees any read past the end.
    unsigned char *copy = static_cast<unsigned char *>(malloc(b.size() ? b.size() : 1));
    if (!b.empty())
        memcpy(copy, b.data(), b.size());
    bool ok = listpack_validate(copy, b.size(), deep);
    free(copy);
    return ok;
}

// A listpack blob around `entries` with a correct total and the given count.
Bytes blob(const Bytes &entries, unsigned count)
{
    size_t total = 6 + entries.size() + 1;
    Bytes b(total);
    for (int i = 0; i < 4; i++)
        b[static_cast<size_t>(i)] = static_cast<unsigned char>(total >> (8 * i));
    b[4] = static_cast<unsigned char>(count);
    b[5] = static_cast<unsigned char>(count >> 8);
    std::copy(entries.begin(), entries.end(), b.begin() + 6);
    b[total - 1] = 0xFF;
    return b;
}

const Strings kSample = {"a",
                         "1",
                         "-1",
                         "1000",
                         "hello",
                         std::string(70, 'x'),
                         "123456789012",
                         std::string(5000, 'y'),
                         "-70000"};

} // namespace

TEST(ListpackValidate, AcceptsWhatItBuilds)
{
    Listpack l(kSample);
    EXPECT_TRUE(valid(l.bytes()));
    EXPECT_TRUE(valid(l.bytes(), false));
    EXPECT_TRUE(valid(blob({}, 0)));
    EXPECT_TRUE(valid(blob({0x01, 1}, 0xFFFF))); // "unknown" stands for any count
    // A wider encoding than needed is well-formed: Redis accepts it too.
    EXPECT_TRUE(valid(blob({0xF1, 0x05, 0x00, 3, 0x83, '1', '2', '3', 4}, 2)));
}

TEST(ListpackValidate, RejectsBadHeaders)
{
    Bytes good = Listpack(kSample).bytes();
    EXPECT_FALSE(valid({}));
    EXPECT_FALSE(valid({7, 0, 0, 0, 0, 0}));
    Bytes truncated(good.begin(), good.end() - 1);
    EXPECT_FALSE(valid(truncated));
    Bytes longer = good;
    longer.push_back(0xFF);
    EXPECT_FALSE(valid(longer));
    Bytes wrong_total = good;
    wrong_total[0]++;
    EXPECT_FALSE(valid(wrong_total));
    Bytes no_terminator = good;
    no_terminator.back() = 0;
    EXPECT_FALSE(valid(no_terminator));
    Bytes bad_count = good;
    bad_count[4]++;
    EXPECT_FALSE(valid(bad_count));
    bad_count[4] -= 2;
    EXPECT_FALSE(valid(bad_count));
    EXPECT_FALSE(valid(blob({}, 1)));
}

TEST(ListpackValidate, RejectsBadEntries)
{
    for (unsigned enc = 0xF5; enc <= 0xFE; enc++)
        EXPECT_FALSE(valid(blob({static_cast<unsigned char>(enc), 1}, 1))) << enc;
    EXPECT_FALSE(valid(blob({0xFF, 1}, 1)));      // a terminator inside
    EXPECT_FALSE(valid(blob({0x85, 'a', 2}, 1))); // string past the end
    EXPECT_FALSE(valid(blob({0xE0}, 1)));         // 12-bit length cut
    EXPECT_FALSE(valid(blob({0xF0, 1, 0}, 1)));   // 32-bit length cut
    EXPECT_FALSE(valid(blob({0xF0, 0xFF, 0xFF, 0xFF, 0xFF, 0}, 1)));
    EXPECT_FALSE(valid(blob({0xF4, 1, 2, 3}, 1)));            // 64-bit int cut
    EXPECT_FALSE(valid(blob({0xC0, 5}, 1)));                  // 13-bit int, no backlen
    EXPECT_FALSE(valid(blob({0x01, 2}, 1)));                  // wrong backlen
    EXPECT_FALSE(valid(blob({0x01, 0x00, 0x81}, 1)));         // backlen in two bytes
    EXPECT_FALSE(valid(blob({0x81, 'a', 2, 0x01, 0x81}, 2))); // bit 7 on a one-byte backlen
    EXPECT_TRUE(valid(blob({0x81, 'a', 2, 0x01, 1}, 2)));
}

TEST(ListpackValidate, ShallowChecksOnlyTheFirstEntry)
{
    Bytes second_bad = blob({0x81, 'a', 2, 0xF9, 1}, 2);
    EXPECT_TRUE(valid(second_bad, false));
    EXPECT_FALSE(valid(second_bad, true));
    EXPECT_FALSE(valid(blob({0xF9, 1, 0x81, 'a', 2}, 2), false));
}

// Whatever validate accepts can be walked both ways to the same entries.
TEST(ListpackValidate, EveryTruncationAndByteCorruption)
{
    Bytes good =
        Listpack({"a", "1", "-1", "1000", "hello", std::string(130, 'x'), "-70000", "123456789012"})
            .bytes();
    for (size_t len = 0; len < good.size(); len++) {
        Bytes cut(good.begin(), good.begin() + static_cast<long>(len));
        EXPECT_FALSE(valid(cut)) << len;
        if (len >= 7) { // the header and terminator made consistent again
            cut[0] = static_cast<unsigned char>(len);
            cut[1] = static_cast<unsigned char>(len >> 8);
            cut.back() = 0xFF;
            valid(cut);
        }
    }
    size_t accepted = 0;
    for (size_t i = 0; i < good.size(); i++) {
        for (int value = 0; value < 256; value++) {
            Bytes bad = good;
            bad[i] = static_cast<unsigned char>(value);
            if (!valid(bad))
                continue;
            accepted++;
            auto lp = reinterpret_cast<struct listpack *>(bad.data());
            Strings entries = forward(lp);
            ASSERT_EQ(backward(lp), entries) << i << " " << value;
            ASSERT_EQ(listpack_count(lp), entries.size());
        }
    }
    EXPECT_GT(accepted, good.size()); // string bytes may change freely
}

TEST(ListpackValidate, FromBlobTakesOnlyValidBlobs)
{
    Bytes good = Listpack({"x", "42"}).bytes();
    void *blob = mem_alloc(good.size());
    memcpy(blob, good.data(), good.size());
    struct listpack *lp = listpack_from_blob(blob, good.size());
    ASSERT_EQ(static_cast<void *>(lp), blob);
    EXPECT_EQ(forward(lp), (Strings{"x", "42"}));
    listpack_free(lp);

    blob = mem_alloc(good.size());
    memcpy(blob, good.data(), good.size());
    static_cast<unsigned char *>(blob)[4] = 3;
    EXPECT_EQ(listpack_from_blob(blob, good.size()), nullptr);
    mem_free(blob);
}

TEST(ListpackOom, GrowingChangesFailCleanly)
{
    EXPECT_EQ((mem_fail_after(0), listpack_new()), nullptr);
    mem_fail_reset();

    Listpack l(kSample);
    Bytes before = l.bytes();
    struct listpack *lp_before = l.lp;
    std::string big(300, 'q');
    size_t pos = listpack_seek(l.lp, 3), new_pos = 12345;
    auto attempts = {
        +[](struct listpack **lp, size_t, const std::string &s, size_t *) {
            return listpack_append(lp, s.data(), s.size());
        },
        +[](struct listpack **lp, size_t, const std::string &s, size_t *) {
            return listpack_prepend(lp, s.data(), s.size());
        },
        +[](struct listpack **lp, size_t at, const std::string &s, size_t *out) {
            return listpack_insert(lp, at, LISTPACK_BEFORE, s.data(), s.size(), out);
        },
        +[](struct listpack **lp, size_t at, const std::string &s, size_t *out) {
            return listpack_insert(lp, at, LISTPACK_AFTER, s.data(), s.size(), out);
        },
        +[](struct listpack **lp, size_t at, const std::string &s, size_t *) {
            return listpack_replace(lp, at, s.data(), s.size());
        },
    };
    for (auto attempt : attempts) {
        mem_fail_after(0);
        int err = attempt(&l.lp, pos, big, &new_pos);
        long injected = mem_failures_injected();
        mem_fail_reset();
        EXPECT_EQ(err, -ENOMEM);
        EXPECT_EQ(injected, 1);
        EXPECT_EQ(l.lp, lp_before);
        EXPECT_EQ(l.bytes(), before);
        EXPECT_EQ(new_pos, 12345u);
    }
    // Too long for the format: refused before anything is read or allocated.
    EXPECT_EQ(listpack_append(&l.lp, "x", size_t{UINT32_MAX} + 1), -E2BIG);
    EXPECT_EQ(l.bytes(), before);
}

TEST(ListpackOom, ShrinkingChangesCannotFail)
{
    Listpack l(kSample);
    Strings model = kSample;
    mem_fail_after(0);
    size_t pos = listpack_seek(l.lp, 5);
    EXPECT_EQ(listpack_replace(&l.lp, pos, "s", 1), 0);
    model[5] = "s";
    EXPECT_NE(listpack_delete(&l.lp, listpack_first(l.lp), 2), 0u);
    model.erase(model.begin(), model.begin() + 2);
    EXPECT_EQ(listpack_delete_range(&l.lp, -2, 5), 2u);
    model.resize(model.size() - 2);
    mem_fail_reset();
    EXPECT_EQ(forward(l.lp), model);
    EXPECT_EQ(backward(l.lp), model);
    EXPECT_TRUE(valid(l.bytes()));
}
