// The listpack's bytes are Redis 7.0's: exact encodings at every boundary,
// hand-computed blobs, then navigation, search, and random edits against a
// std::vector model. Validation and allocation failure are in
// listpack_validate_test.cc.
#include <gtest/gtest.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/alloc.h"
#include "listpack_test_util.h"
#include "store/listpack.h"

namespace
{

// The bytes of the only entry of a one-entry listpack (encoding, data, backlen).
Bytes single_entry(const std::string &s)
{
    Listpack l({s});
    Bytes all = l.bytes();
    EXPECT_EQ(listpack_count(l.lp), 1u);
    EXPECT_EQ(listpack_first(l.lp), listpack_last(l.lp));
    EXPECT_EQ(entry_at(l.lp, listpack_first(l.lp)), s);
    EXPECT_TRUE(listpack_validate(l.lp, listpack_bytes(l.lp), true));
    return Bytes(all.begin() + 6, all.end() - 1);
}

Bytes concat(Bytes a, const Bytes &b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Bytes repeat(const std::string &s)
{
    return Bytes(s.begin(), s.end());
}

} // namespace

TEST(Listpack, EmptyIsSevenBytes)
{
    Listpack l;
    EXPECT_EQ(l.bytes(), (Bytes{7, 0, 0, 0, 0, 0, 0xFF}));
    EXPECT_EQ(listpack_count(l.lp), 0u);
    EXPECT_EQ(listpack_first(l.lp), 0u);
    EXPECT_EQ(listpack_last(l.lp), 0u);
    EXPECT_EQ(listpack_seek(l.lp, 0), 0u);
    EXPECT_EQ(listpack_seek(l.lp, -1), 0u);
    EXPECT_TRUE(listpack_validate(l.lp, 7, true));
}

// Worked out by hand from Redis's listpack.c.
TEST(Listpack, ExactBytesOfASmallListpack)
{
    Listpack l({"a", "1", "-1", "1000", "hello"});
    // clang-format off
    Bytes expected = {
        25,   0,    0,    0,    5,    0,   // 25 bytes, 5 entries
        0x81, 'a',  2,                     // 6-bit string "a", backlen 2
        0x01, 1,                           // 7-bit uint 1
        0xDF, 0xFF, 2,                     // 13-bit int -1 (0x1FFF)
        0xC3, 0xE8, 2,                     // 13-bit int 1000 (0x03E8)
        0x85, 'h',  'e',  'l',  'l',  'o', 6, // 6-bit string "hello"
        0xFF,
    };
    // clang-format on
    EXPECT_EQ(l.bytes(), expected);
    EXPECT_EQ(forward(l.lp), (Strings{"a", "1", "-1", "1000", "hello"}));
    EXPECT_EQ(backward(l.lp), forward(l.lp));
}

TEST(Listpack, IntegerEncodingBoundaries)
{
    struct Case {
        std::string s;
        Bytes entry;
    } cases[] = {
        {"0", {0x00, 1}},
        {"127", {0x7F, 1}},
        {"128", {0xC0, 0x80, 2}},
        {"-1", {0xDF, 0xFF, 2}},
        {"4095", {0xCF, 0xFF, 2}},
        {"-4096", {0xD0, 0x00, 2}},
        {"4096", {0xF1, 0x00, 0x10, 3}},
        {"-4097", {0xF1, 0xFF, 0xEF, 3}},
        {"32767", {0xF1, 0xFF, 0x7F, 3}},
        {"-32768", {0xF1, 0x00, 0x80, 3}},
        {"32768", {0xF2, 0x00, 0x80, 0x00, 4}},
        {"-32769", {0xF2, 0xFF, 0x7F, 0xFF, 4}},
        {"8388607", {0xF2, 0xFF, 0xFF, 0x7F, 4}},
        {"-8388608", {0xF2, 0x00, 0x00, 0x80, 4}},
        {"8388608", {0xF3, 0x00, 0x00, 0x80, 0x00, 5}},
        {"-8388609", {0xF3, 0xFF, 0xFF, 0x7F, 0xFF, 5}},
        {"2147483647", {0xF3, 0xFF, 0xFF, 0xFF, 0x7F, 5}},
        {"-2147483648", {0xF3, 0x00, 0x00, 0x00, 0x80, 5}},
        {"2147483648", {0xF4, 0x00, 0x00, 0x00, 0x80, 0, 0, 0, 0, 9}},
        {"-2147483649", {0xF4, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 9}},
        {"9223372036854775807", {0xF4, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 9}},
        {"-9223372036854775808", {0xF4, 0, 0, 0, 0, 0, 0, 0, 0x80, 9}},
    };
    for (const auto &c : cases) {
        EXPECT_EQ(single_entry(c.s), c.entry) << c.s;
        Listpack l({c.s});
        struct listpack_value v;
        listpack_get(l.lp, listpack_first(l.lp), &v);
        EXPECT_EQ(v.str, nullptr) << c.s;
        EXPECT_EQ(v.integer, std::stoll(c.s)) << c.s;
    }
}

// string2ll's rules: only the one canonical spelling of a number is stored as
// an integer; everything else stays the bytes it was.
TEST(Listpack, NonCanonicalIntegersStayStrings)
{
    for (std::string s : {"0123", "+1", "-0", " 1", "1 ", "00", "-", "1.0", "0x10",
                          "9223372036854775808", "-9223372036854775809", ""}) {
        Bytes expected = concat({static_cast<unsigned char>(0x80 | s.size())}, repeat(s));
        expected.push_back(static_cast<unsigned char>(1 + s.size()));
        EXPECT_EQ(single_entry(s), expected) << s;
        Listpack l({s});
        struct listpack_value v;
        listpack_get(l.lp, listpack_first(l.lp), &v);
        ASSERT_NE(v.str, nullptr) << s;
        EXPECT_EQ(std::string(reinterpret_cast<const char *>(v.str), v.len), s);
    }
}

TEST(Listpack, StringEncodingAndBacklenBoundaries)
{
    struct Case {
        size_t len;
        Bytes head;
        Bytes backlen;
    } cases[] = {
        {63, {0x80 | 63}, {64}},
        {64, {0xE0, 64}, {66}},
        {125, {0xE0, 125}, {127}},
        {126, {0xE0, 126}, {0x01, 0x80}}, // 128: the first two-byte backlen
        {4095, {0xEF, 0xFF}, {32, 0x81}},
        {4096, {0xF0, 0x00, 0x10, 0x00, 0x00}, {32, 0x85}},
        {16377, {0xF0, 0xF9, 0x3F, 0, 0}, {127, 0xFE}},            // 16382
        {16378, {0xF0, 0xFA, 0x3F, 0, 0}, {0, 0xFF, 0xFF}},        // 16383 takes 3 bytes in Redis
        {2097145, {0xF0, 0xF9, 0xFF, 0x1F, 0}, {127, 0xFF, 0xFE}}, // 2097150
        {2097146, {0xF0, 0xFA, 0xFF, 0x1F, 0}, {0, 0xFF, 0xFF, 0xFF}}, // 2097151: 4 bytes
    };
    for (const auto &c : cases) {
        std::string s(c.len, 'x');
        Bytes expected = concat(concat(c.head, repeat(s)), c.backlen);
        EXPECT_EQ(single_entry(s), expected) << c.len;
        // Backwards from a second entry crosses this backlen.
        Listpack l({s, "tail"});
        EXPECT_EQ(backward(l.lp), (Strings{s, "tail"})) << c.len;
    }
}

TEST(Listpack, SeekFromBothEnds)
{
    Strings model;
    Listpack l;
    for (int i = 0; i < 101; i++) {
        model.push_back(i % 3 ? "s" + std::to_string(i) : std::to_string(i * 1000));
        l.append(model.back());
    }
    long n = static_cast<long>(model.size());
    for (long i = -n; i < n; i++) {
        size_t pos = listpack_seek(l.lp, i);
        ASSERT_NE(pos, 0u) << i;
        EXPECT_EQ(entry_at(l.lp, pos), model[static_cast<size_t>(i < 0 ? i + n : i)]);
    }
    EXPECT_EQ(listpack_seek(l.lp, n), 0u);
    EXPECT_EQ(listpack_seek(l.lp, -n - 1), 0u);
    EXPECT_EQ(listpack_seek(l.lp, LONG_MIN), 0u);
    EXPECT_EQ(listpack_seek(l.lp, LONG_MAX), 0u);
}

TEST(Listpack, FindComparesBytesAndSkips)
{
    // A hash: field, value, field, value.
    Listpack l({"f1", "v1", "f2", "1", "1", "x", "", "last"});
    size_t first = listpack_first(l.lp);
    auto find = [&](const std::string &s, size_t skip) {
        size_t pos = listpack_find(l.lp, first, s.data(), s.size(), skip);
        return pos ? entry_at(l.lp, listpack_next(l.lp, pos) ? listpack_next(l.lp, pos) : pos)
                   : std::string("<none>");
    };
    EXPECT_EQ(find("f2", 1), "1");      // the value after field f2
    EXPECT_EQ(find("v1", 1), "<none>"); // values are skipped
    EXPECT_EQ(find("v1", 0), "f2");
    EXPECT_EQ(find("1", 1), "x");       // an integer field matches its spelling
    EXPECT_EQ(find("01", 0), "<none>"); // ... and only that spelling
    EXPECT_EQ(find("", 1), "last");
    EXPECT_EQ(find("nope", 0), "<none>");
    // Searching values only: start at the first value.
    size_t v = listpack_find(l.lp, listpack_next(l.lp, first), "1", 1, 1);
    ASSERT_NE(v, 0u);
    EXPECT_EQ(v, listpack_seek(l.lp, 3));
}

TEST(Listpack, InsertReplaceDelete)
{
    Listpack l({"b", "d"});
    size_t pos = 0, b = listpack_first(l.lp);
    ASSERT_EQ(listpack_insert(&l.lp, b, LISTPACK_BEFORE, "a", 1, &pos), 0);
    EXPECT_EQ(entry_at(l.lp, pos), "a");
    ASSERT_EQ(listpack_insert(&l.lp, listpack_seek(l.lp, 1), LISTPACK_AFTER, "c", 1, &pos), 0);
    EXPECT_EQ(entry_at(l.lp, pos), "c");
    ASSERT_EQ(listpack_insert(&l.lp, listpack_last(l.lp), LISTPACK_AFTER, "99999", 5, nullptr), 0);
    ASSERT_EQ(listpack_prepend(&l.lp, "0", 1), 0);
    EXPECT_EQ(forward(l.lp), (Strings{"0", "a", "b", "c", "d", "99999"}));

    // Replacing keeps the position, growing and shrinking.
    std::string big(5000, 'z');
    pos = listpack_seek(l.lp, 2);
    ASSERT_EQ(listpack_replace(&l.lp, pos, big.data(), big.size()), 0);
    EXPECT_EQ(entry_at(l.lp, pos), big);
    ASSERT_EQ(listpack_replace(&l.lp, pos, "7", 1), 0);
    EXPECT_EQ(forward(l.lp), (Strings{"0", "a", "7", "c", "d", "99999"}));
    EXPECT_EQ(backward(l.lp), forward(l.lp));
    EXPECT_EQ(listpack_count(l.lp), 6u);

    // Deleting returns the entry that followed.
    pos = listpack_delete(&l.lp, listpack_seek(l.lp, 1), 2);
    EXPECT_EQ(entry_at(l.lp, pos), "c");
    EXPECT_EQ(listpack_delete(&l.lp, listpack_last(l.lp), 1), 0u);
    EXPECT_EQ(forward(l.lp), (Strings{"0", "c", "d"}));
    EXPECT_EQ(listpack_delete_range(&l.lp, -2, 100), 2u);
    EXPECT_EQ(listpack_delete_range(&l.lp, 5, 1), 0u);
    EXPECT_EQ(forward(l.lp), (Strings{"0"}));
    EXPECT_EQ(listpack_delete(&l.lp, listpack_first(l.lp), 1), 0u);
    EXPECT_EQ(l.bytes(), (Bytes{7, 0, 0, 0, 0, 0, 0xFF}));
}

// Past 65534 entries the header count reads 65535, "unknown"; counting walks.
TEST(Listpack, CountUnknownFrom65535Entries)
{
    Listpack l;
    for (int i = 0; i < 65534; i++)
        l.append("7");
    EXPECT_EQ(l.bytes()[4] | l.bytes()[5] << 8, 65534);
    l.append("x");
    EXPECT_EQ(l.bytes()[4] | l.bytes()[5] << 8, 65535);
    l.append("y");
    EXPECT_EQ(listpack_count(l.lp), 65536u);
    EXPECT_EQ(entry_at(l.lp, listpack_seek(l.lp, -1)), "y");
    EXPECT_EQ(entry_at(l.lp, listpack_seek(l.lp, -2)), "x");
    EXPECT_EQ(entry_at(l.lp, listpack_seek(l.lp, 65534)), "x");
    EXPECT_EQ(listpack_seek(l.lp, 65536), 0u);
    EXPECT_TRUE(listpack_validate(l.lp, listpack_bytes(l.lp), true));
    EXPECT_EQ(listpack_delete_range(&l.lp, 0, 65530), 65530u);
    EXPECT_EQ(listpack_count(l.lp), 6u);
    EXPECT_EQ(forward(l.lp), (Strings{"7", "7", "7", "7", "x", "y"}));
    EXPECT_TRUE(listpack_validate(l.lp, listpack_bytes(l.lp), true));
}

// What a quicklist merge and split do: whole entries copied across, counts
// added, the source untouched; on a failed allocation nothing changes.
TEST(Listpack, AppendFromAnotherListpack)
{
    Listpack a({"a", "1"}), b({"x", "-4000", std::string(100, 'y'), "70000"});
    ASSERT_EQ(listpack_append_from(&a.lp, b.lp, listpack_seek(b.lp, 1), 2), 0);
    EXPECT_EQ(forward(a.lp), (Strings{"a", "1", "-4000", std::string(100, 'y')}));
    EXPECT_EQ(backward(a.lp), forward(a.lp));
    EXPECT_EQ(listpack_count(a.lp), 4u);
    EXPECT_TRUE(listpack_validate(a.lp, listpack_bytes(a.lp), true));
    ASSERT_EQ(listpack_append_from(&a.lp, b.lp, listpack_seek(b.lp, -1), SIZE_MAX), 0);
    ASSERT_EQ(listpack_append_from(&a.lp, b.lp, 0, 5), 0);
    ASSERT_EQ(listpack_append_from(&a.lp, b.lp, listpack_first(b.lp), 0), 0);
    EXPECT_EQ(forward(a.lp), (Strings{"a", "1", "-4000", std::string(100, 'y'), "70000"}));
    EXPECT_EQ(forward(b.lp), (Strings{"x", "-4000", std::string(100, 'y'), "70000"}));

    Listpack empty;
    ASSERT_EQ(listpack_append_from(&empty.lp, b.lp, listpack_first(b.lp), SIZE_MAX), 0);
    EXPECT_EQ(empty.bytes(), b.bytes());

    Bytes before = a.bytes();
    mem_fail_after(0);
    int err = listpack_append_from(&a.lp, b.lp, listpack_first(b.lp), SIZE_MAX);
    mem_fail_reset();
    EXPECT_EQ(err, -ENOMEM);
    EXPECT_EQ(a.bytes(), before);

    // Past 65534 entries the count becomes "unknown".
    Listpack many, more;
    for (int i = 0; i < 40000; i++) {
        many.append("5");
        more.append("6");
    }
    ASSERT_EQ(listpack_append_from(&many.lp, more.lp, listpack_first(more.lp), SIZE_MAX), 0);
    EXPECT_EQ(many.bytes()[4] | many.bytes()[5] << 8, 65535);
    EXPECT_EQ(listpack_count(many.lp), 80000u);
    EXPECT_TRUE(listpack_validate(many.lp, listpack_bytes(many.lp), true));
}

TEST(Listpack, SafeToAdd)
{
    Listpack l;
    EXPECT_TRUE(listpack_safe_to_add(l.lp, 100));
    EXPECT_TRUE(listpack_safe_to_add(nullptr, LISTPACK_SAFETY_SIZE));
    EXPECT_FALSE(listpack_safe_to_add(l.lp, LISTPACK_SAFETY_SIZE));
    EXPECT_FALSE(listpack_safe_to_add(l.lp, SIZE_MAX));
}

namespace
{

std::string random_element(std::mt19937_64 &rng)
{
    switch (rng() % 8) {
    case 0:
        return std::to_string(static_cast<long long>(rng()));
    case 1:
        return std::to_string(static_cast<long long>(rng() % 20000) - 10000);
    case 2:
        return std::to_string(rng() % 128);
    case 3:
        return "0" + std::to_string(rng() % 100); // looks numeric, is not
    case 4:
        return std::string(rng() % 5000, static_cast<char>('a' + rng() % 26));
    default:
        return std::string(rng() % 70, static_cast<char>(rng() % 256));
    }
}

} // namespace

TEST(Listpack, RandomEditsAgainstAVector)
{
    std::mt19937_64 rng(12345);
    Strings model;
    Listpack l;
    for (int step = 0; step < 20000; step++) {
        long n = static_cast<long>(model.size());
        long index = n ? static_cast<long>(rng() % static_cast<uint64_t>(n)) : 0;
        size_t pos = n ? listpack_seek(l.lp, rng() % 2 ? index : index - n) : 0;
        std::string s = random_element(rng);
        unsigned op = rng() % 10;
        if (n > 300)
            op = 7 + op % 3; // keep it small enough to check fully
        if (op <= 1 || n == 0) {
            ASSERT_EQ(listpack_append(&l.lp, s.data(), s.size()), 0);
            model.push_back(s);
        } else if (op == 2) {
            ASSERT_EQ(listpack_prepend(&l.lp, s.data(), s.size()), 0);
            model.insert(model.begin(), s);
        } else if (op <= 4) {
            bool after = op == 4;
            size_t new_pos = 0;
            enum listpack_where where = after ? LISTPACK_AFTER : LISTPACK_BEFORE;
            ASSERT_EQ(listpack_insert(&l.lp, pos, where, s.data(), s.size(), &new_pos), 0);
            model.insert(model.begin() + index + (after ? 1 : 0), s);
            ASSERT_EQ(entry_at(l.lp, new_pos), s);
        } else if (op <= 6) {
            ASSERT_EQ(listpack_replace(&l.lp, pos, s.data(), s.size()), 0);
            model[static_cast<size_t>(index)] = s;
        } else if (op == 7) {
            size_t count = 1 + rng() % 3;
            size_t next = listpack_delete(&l.lp, pos, count);
            model.erase(model.begin() + index, model.begin() + std::min<long>(n, index + count));
            if (static_cast<size_t>(index) < model.size())
                ASSERT_EQ(entry_at(l.lp, next), model[static_cast<size_t>(index)]);
            else
                ASSERT_EQ(next, 0u);
        } else {
            size_t count = rng() % 40;
            size_t deleted = listpack_delete_range(&l.lp, rng() % 2 ? index : index - n, count);
            size_t expected = std::min<size_t>(count, static_cast<size_t>(n - index));
            ASSERT_EQ(deleted, expected);
            model.erase(model.begin() + index, model.begin() + index + static_cast<long>(expected));
        }
        ASSERT_EQ(listpack_count(l.lp), model.size());
        if (step % 10 == 0 || model.size() < 20) {
            ASSERT_EQ(forward(l.lp), model) << step;
            ASSERT_EQ(backward(l.lp), model) << step;
            ASSERT_TRUE(listpack_validate(l.lp, listpack_bytes(l.lp), true)) << step;
        }
        if (!model.empty()) {
            const std::string &want = model[rng() % model.size()];
            size_t found = listpack_find(l.lp, listpack_first(l.lp), want.data(), want.size(), 0);
            ASSERT_NE(found, 0u);
            ASSERT_EQ(entry_at(l.lp, found), want);
        }
    }
}
