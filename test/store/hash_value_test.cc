// The hash value type (store/hash_value.h) against a std::map: by hand, then
// random sequences of sets and deletes in both encodings, checking contents,
// length, the encoding and the conversion rules after each step; the HSCAN
// guarantee across resizes; allocation failure leaves the hash unchanged.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "core/alloc.h"
#include "store/hash_value.h"

namespace
{

struct Hash {
    struct value v;
    struct hash_limits lim;
    explicit Hash(size_t max_entries = 512, size_t max_value = 64) : lim{max_entries, max_value}
    {
        hash_type_register();
        EXPECT_EQ(hash_value_new(&v), 0);
    }
    ~Hash()
    {
        value_release(v.type, v.encoding, v.p);
    }
    int set(const std::string &f, const std::string &val)
    {
        return hash_set(&v, f.data(), f.size(), val.data(), val.size(), &lim);
    }
    bool del(const std::string &f)
    {
        return hash_delete(&v, f.data(), f.size());
    }
    std::string get(const std::string &f) const
    {
        struct hash_bytes b;
        if (!hash_get(&v, f.data(), f.size(), &b))
            return "<none>";
        return std::string(reinterpret_cast<const char *>(b.ptr), b.len);
    }
    std::map<std::string, std::string> contents() const
    {
        std::map<std::string, std::string> m;
        hash_foreach(
            &v,
            [](void *ctx, const struct hash_bytes *f, const struct hash_bytes *val) {
                auto *out = static_cast<std::map<std::string, std::string> *>(ctx);
                std::string key(reinterpret_cast<const char *>(f->ptr), f->len);
                EXPECT_EQ(out->count(key), 0u) << "field visited twice: " << key;
                (*out)[key] = std::string(reinterpret_cast<const char *>(val->ptr), val->len);
            },
            &m);
        return m;
    }
    const char *encoding() const
    {
        return value_encoding_name(v.encoding);
    }
};

TEST(HashValue, SetGetDeleteInAListpack)
{
    Hash h;
    EXPECT_EQ(hash_length(&h.v), 0u);
    EXPECT_EQ(h.set("a", "1"), 1);
    EXPECT_EQ(h.set("b", "two"), 1);
    EXPECT_EQ(h.set("a", "one"), 0);
    EXPECT_EQ(h.set("n", "-12345"), 1);
    EXPECT_EQ(h.get("a"), "one");
    EXPECT_EQ(h.get("n"), "-12345"); // an integer entry read back as its digits
    EXPECT_EQ(h.get("zz"), "<none>");
    EXPECT_EQ(hash_length(&h.v), 3u);
    EXPECT_STREQ(h.encoding(), "listpack");
    EXPECT_TRUE(h.del("b"));
    EXPECT_FALSE(h.del("b"));
    EXPECT_EQ(h.contents(), (std::map<std::string, std::string>{{"a", "one"}, {"n", "-12345"}}));
    // A field and a value with the same bytes do not confuse the lookup.
    EXPECT_EQ(h.set("one", "x"), 1);
    EXPECT_EQ(h.get("one"), "x");
}

TEST(HashValue, ConvertsPastMaxEntriesAndNeverBack)
{
    Hash h(4, 64);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(h.set("f" + std::to_string(i), "v"), 1);
    EXPECT_STREQ(h.encoding(), "listpack");
    EXPECT_EQ(h.set("f0", "updated"), 0); // an update adds nothing
    EXPECT_STREQ(h.encoding(), "listpack");
    EXPECT_EQ(h.set("f4", "v"), 1);
    EXPECT_STREQ(h.encoding(), "hashtable");
    for (int i = 0; i < 5; i++)
        EXPECT_TRUE(h.del("f" + std::to_string(i)));
    EXPECT_EQ(hash_length(&h.v), 0u);
    EXPECT_STREQ(h.encoding(), "hashtable");
}

TEST(HashValue, ConvertsOnALongFieldOrValue)
{
    Hash h(512, 8);
    EXPECT_EQ(h.set("12345678", "12345678"), 1);
    EXPECT_STREQ(h.encoding(), "listpack");
    EXPECT_EQ(h.set("x", "123456789"), 1);
    EXPECT_STREQ(h.encoding(), "hashtable");
    EXPECT_EQ(h.get("12345678"), "12345678");

    Hash f(512, 8);
    EXPECT_EQ(f.set("123456789", "v"), 1);
    EXPECT_STREQ(f.encoding(), "hashtable");

    Hash p(512, 8);
    EXPECT_EQ(hash_prepare_write(&p.v, 8, 16, &p.lim), 0);
    EXPECT_STREQ(p.encoding(), "listpack");
    EXPECT_EQ(hash_prepare_write(&p.v, 9, 9, &p.lim), 0);
    EXPECT_STREQ(p.encoding(), "hashtable");
}

TEST(HashValue, TableUpdatesChangeLengthsInPlaceOrByReallocation)
{
    Hash h(0, 64);
    EXPECT_EQ(h.set("f", "abc"), 1);
    EXPECT_STREQ(h.encoding(), "hashtable");
    size_t before = hash_memory_usage(&h.v);
    EXPECT_EQ(h.set("f", "xyz"), 0);
    EXPECT_EQ(hash_memory_usage(&h.v), before);
    EXPECT_EQ(h.set("f", std::string(1000, 'q')), 0);
    EXPECT_EQ(hash_memory_usage(&h.v), before + 997);
    EXPECT_EQ(h.get("f"), std::string(1000, 'q'));
    EXPECT_EQ(h.set("f", ""), 0);
    EXPECT_EQ(h.get("f"), "");
    EXPECT_TRUE(hash_exists(&h.v, "f", 1));
}

// Random operations in both encodings against the model, with conversions
// happening along the way (entries limit 16, value limit 12).
TEST(HashValue, RandomOperationsMatchAModel)
{
    std::mt19937_64 rng(42);
    for (int round = 0; round < 20; round++) {
        Hash h(16, 12);
        std::map<std::string, std::string> model;
        bool converted = false;
        for (int step = 0; step < 400; step++) {
            std::string f = "f" + std::to_string(rng() % (round < 10 ? 20 : 200));
            if (rng() % 3 == 0) {
                EXPECT_EQ(h.del(f), model.erase(f) == 1);
            } else {
                size_t len = rng() % (step % 50 == 49 ? 20 : 10);
                std::string val = rng() % 4 == 0 ? std::to_string((long long)rng() % 100000)
                                                 : std::string(len, char('a' + rng() % 26));
                bool added = model.count(f) == 0;
                model[f] = val;
                EXPECT_EQ(h.set(f, val), added ? 1 : 0);
                if (val.size() > 12)
                    converted = true;
            }
            if (model.size() > 16)
                converted = true;
            ASSERT_EQ(hash_length(&h.v), model.size());
            EXPECT_STREQ(h.encoding(), converted ? "hashtable" : "listpack") << "step " << step;
        }
        EXPECT_EQ(h.contents(), model);
        for (const auto &kv : model)
            EXPECT_EQ(h.get(kv.first), kv.second);
    }
}

TEST(HashValue, CopyKeepsEncodingAndContents)
{
    for (size_t max_entries : {512, 0}) {
        Hash h(max_entries, 64);
        for (int i = 0; i < 100; i++)
            h.set("k" + std::to_string(i), std::to_string(i * 7));
        struct value copy;
        ASSERT_EQ(value_duplicate(&h.v, &copy), 0);
        EXPECT_EQ(copy.encoding, h.v.encoding);
        Hash view;
        value_release(view.v.type, view.v.encoding, view.v.p);
        view.v = copy; // released by view's destructor
        EXPECT_EQ(view.contents(), h.contents());
        EXPECT_EQ(h.set("k1", "changed"), 0);
        EXPECT_EQ(view.get("k1"), "7");
    }
}

// Every field present for a whole scan is returned, while fields are added
// (the table grows) and removed (it shrinks) between the steps.
TEST(HashValue, ScanSeesEveryFieldThroughResizes)
{
    for (int shrink = 0; shrink < 2; shrink++) {
        Hash h(0, 64);
        std::set<std::string> stable;
        for (int i = 0; i < 300; i++) {
            h.set("s" + std::to_string(i), "v");
            stable.insert("s" + std::to_string(i));
        }
        for (int i = 0; i < 3000; i++)
            h.set("t" + std::to_string(i), "v");
        std::set<std::string> seen;
        uint64_t cursor = 0;
        int step = 0;
        do {
            cursor = hash_scan(
                &h.v, cursor,
                [](void *ctx, const struct hash_bytes *f, const struct hash_bytes *) {
                    static_cast<std::set<std::string> *>(ctx)->insert(
                        std::string(reinterpret_cast<const char *>(f->ptr), f->len));
                },
                &seen);
            // Between steps: grow (adds) or shrink (deletes of the t* fields),
            // for a while (a table that keeps growing faster than the
            // cursor moves would never be finished).
            for (int j = 0; j < 40 && step < 100; j++) {
                int n = step * 40 + j;
                if (shrink)
                    h.del("t" + std::to_string(n));
                else
                    h.set("g" + std::to_string(n), "v");
            }
            step++;
        } while (cursor != 0);
        for (const auto &f : stable)
            EXPECT_EQ(seen.count(f), 1u) << f << (shrink ? " (shrinking)" : " (growing)");
    }
}

// After a failed allocation at any point, a set reports -ENOMEM and the hash
// is exactly as it was (also across a conversion).
TEST(HashValue, FailedAllocationChangesNothing)
{
    for (int convert = 0; convert < 2; convert++) {
        for (long n = 0; n < 50; n++) {
            Hash h(convert ? 4 : 512, 64);
            for (int i = 0; i < 4; i++)
                h.set("f" + std::to_string(i), "v" + std::to_string(i));
            auto before = h.contents();
            const char *enc = h.encoding();
            mem_fail_after(n);
            int rc = h.set("new", "value");
            long injected = mem_failures_injected();
            mem_fail_reset();
            if (injected == 0) {
                EXPECT_EQ(rc, 1);
                break;
            }
            if (rc < 0) {
                EXPECT_EQ(rc, -ENOMEM);
                EXPECT_EQ(h.contents(), before);
                EXPECT_STREQ(h.encoding(), enc);
            }
        }
    }
}

} // namespace
