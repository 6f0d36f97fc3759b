// Allocation failure (mem_fail_after) at every allocation of each quicklist
// operation, with and without compression: an operation either does what
// it does without failures (the failure hit optional work: merging or
// compressing) or returns -ENOMEM and leaves the list exactly as it was
// (LREM: minus what it reports removed). The list stays consistent either
// way. Leaks show up under ASan (make SAN=address).
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <string>

#include "core/alloc.h"
#include "quicklist_test_util.h"

namespace
{

struct Setting {
    int fill, compress;
};
const Setting kSettings[] = {{4, 0}, {4, 1}, {-1, 1}, {1, 2}};

// 300 compressible elements (fill -1: 4 nodes), every 25th one "dup".
std::string item(int i)
{
    return "list item number " + std::to_string(i) + " --------------------------------";
}

void setup(QuickList &l)
{
    for (int i = 0; i < 300; i++)
        ASSERT_EQ(l.push_tail(i % 25 == 3 ? "dup" : item(i)), 0);
}

using Op = std::function<int(QuickList &)>;

// Runs op with the n-th allocation failing for n = 0, 1, ... until it runs
// without an injected failure; returns how many failure points it saw.
int each_failure_point(const Setting &setting, const Op &op)
{
    QuickList reference(setting.fill, setting.compress);
    setup(reference);
    int want_rc = op(reference);
    Strings want = reference.forward();
    for (int n = 0; n < 1000; n++) {
        QuickList l(setting.fill, setting.compress);
        setup(l);
        Strings before = l.forward();
        size_t bytes = quicklist_bytes(l.ql);
        mem_fail_after(n);
        int rc = op(l);
        long injected = mem_failures_injected();
        mem_fail_reset();
        EXPECT_TRUE(consistent(l)) << n;
        if (rc == want_rc) {
            EXPECT_EQ(l.forward(), want) << n;
        } else {
            EXPECT_EQ(rc, -ENOMEM) << n;
            EXPECT_EQ(l.forward(), before) << n;
            EXPECT_EQ(l.backward(), before) << n;
            EXPECT_EQ(quicklist_bytes(l.ql), bytes) << n;
        }
        if (injected == 0) {
            EXPECT_EQ(rc, want_rc);
            EXPECT_TRUE(compression_settled(l));
            return n;
        }
        // Still usable: empty it from both ends.
        while (quicklist_count(l.ql) > 1) {
            EXPECT_NE(l.pop(QUICKLIST_HEAD).substr(0, 4), "<err");
            EXPECT_NE(l.pop(QUICKLIST_TAIL).substr(0, 4), "<err");
        }
    }
    ADD_FAILURE() << "never ran without a failure";
    return 0;
}

void each_setting(const char *name, const Op &op)
{
    for (const Setting &s : kSettings) {
        SCOPED_TRACE(std::string(name) + " fill " + std::to_string(s.fill) + " compress " +
                     std::to_string(s.compress));
        each_failure_point(s, op);
    }
}

} // namespace

TEST(QuicklistOom, Push)
{
    each_setting("push head", [](QuickList &l) { return l.push_head("new"); });
    each_setting("push tail", [](QuickList &l) { return l.push_tail("new"); });
    each_setting("push big", [](QuickList &l) { return l.push_tail(std::string(9000, 'b')); });
}

TEST(QuicklistOom, Pop)
{
    each_setting("pop head", [](QuickList &l) {
        std::string out;
        return quicklist_pop(l.ql, QUICKLIST_HEAD, take_string, &out);
    });
    each_setting("pop tail", [](QuickList &l) {
        return quicklist_pop(l.ql, QUICKLIST_TAIL, nullptr, nullptr);
    });
}

TEST(QuicklistOom, Set)
{
    each_setting("set", [](QuickList &l) { return l.set(157, "replaced"); });
    each_setting("set same size", [](QuickList &l) { return l.set(-140, item(999)); });
    each_setting("set big", [](QuickList &l) { return l.set(161, std::string(5000, 's')); });
}

TEST(QuicklistOom, Insert)
{
    each_setting("insert before", [](QuickList &l) { return l.insert(158, false, "new"); });
    each_setting("insert after", [](QuickList &l) { return l.insert(-161, true, "new"); });
    each_setting("insert big",
                 [](QuickList &l) { return l.insert(166, true, std::string(5000, 'i')); });
    each_setting("pivot", [](QuickList &l) { return l.insert_at_pivot(true, item(177), "new"); });
}

TEST(QuicklistOom, DeleteRange)
{
    each_setting("middle", [](QuickList &l) { return quicklist_delete_range(l.ql, 95, 90); });
    each_setting("trim head", [](QuickList &l) { return quicklist_delete_range(l.ql, 0, 153); });
    each_setting("inside one node",
                 [](QuickList &l) { return quicklist_delete_range(l.ql, -170, 2); });
}

TEST(QuicklistOom, Dup)
{
    for (const Setting &s : kSettings) {
        QuickList l(s.fill, s.compress);
        setup(l);
        for (int n = 0;; n++) {
            mem_fail_after(n);
            struct quicklist *copy = quicklist_dup(l.ql);
            long injected = mem_failures_injected();
            mem_fail_reset();
            if (!injected) {
                QuickList c(copy);
                EXPECT_EQ(c.forward(), l.forward());
                break;
            }
            EXPECT_EQ(copy, nullptr);
        }
    }
}

// LREM may stop part way: what is gone is exactly the first `removed`
// matches from its end.
TEST(QuicklistOom, RemoveStopsCleanly)
{
    for (const Setting &s : kSettings) {
        for (long count : {0L, 2L, -3L}) {
            for (int n = 0;; n++) {
                QuickList l(s.fill, s.compress);
                setup(l);
                Strings model = l.forward();
                mem_fail_after(n);
                int err = 0;
                size_t removed = l.remove("dup", count, &err);
                long injected = mem_failures_injected();
                mem_fail_reset();
                ASSERT_TRUE(err == 0 || err == -ENOMEM);
                ASSERT_TRUE(consistent(l));
                size_t gone = 0;
                if (count >= 0) {
                    auto it = model.begin();
                    while (gone < removed &&
                           (it = std::find(it, model.end(), "dup")) != model.end())
                        it = model.erase(it), gone++;
                } else {
                    for (size_t i = model.size(); i-- > 0 && gone < removed;)
                        if (model[i] == "dup")
                            model.erase(model.begin() + static_cast<long>(i)), gone++;
                }
                ASSERT_EQ(l.forward(), model);
                if (!injected) {
                    EXPECT_EQ(err, 0);
                    EXPECT_EQ(removed, count == 0 ? 12u : static_cast<size_t>(std::labs(count)));
                    break;
                }
            }
        }
    }
}
