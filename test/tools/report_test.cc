// The report writers on synthetic results: the JSON carries every figure and
// the per-second series, the SVG charts are complete documents, and a file
// that cannot be written is an error, not a crash.
#include "tools/stress/report.h"
#include "tools/stress/svg.h"

#include "test/tools/process_util.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace
{

stress_options options(std::vector<std::string> &storage, std::vector<char *> &argv,
                       std::vector<std::string> args)
{
    storage = args;
    storage.insert(storage.begin(), "magpie-stress");
    for (auto &a : storage)
        argv.push_back(a.data());
    stress_options o;
    char err[256];
    EXPECT_EQ(stress_args_parse((int)argv.size(), argv.data(), &o, err, sizeof(err)),
              STRESS_ARGS_RUN)
        << err;
    return o;
}

std::string temp_path(const char *suffix)
{
    return "/tmp/magpie-report-test-" + std::to_string(getpid()) + suffix;
}

size_t count(const std::string &s, const std::string &what)
{
    size_t n = 0;
    for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
        n++;
    return n;
}

} // namespace

TEST(Report, NetworkJsonAndSvg)
{
    std::vector<std::string> storage;
    std::vector<char *> argv;
    stress_options o = options(storage, argv, {"--verify", "--label", "a \"quoted\" <label>"});
    network_result r{};
    r.latency = hist_new();
    for (uint64_t i = 1; i <= 1000; i++)
        hist_record(r.latency, i * 1000);
    r.ops = 1000;
    r.op_counts[OP_GET] = 600;
    r.op_counts[OP_SET] = 400;
    r.op_latency[OP_GET] = hist_new();
    r.op_latency[OP_SET] = hist_new();
    for (uint64_t i = 1; i <= 1000; i++)
        hist_record(r.op_latency[i <= 600 ? OP_GET : OP_SET], i * 1000);
    r.elapsed_s = 2.0;
    r.verified = true;
    r.verify.reads_checked = 600;
    stress_second seconds[2] = {{1.0, 1.0, 500, 0, 400000, 990000, 1000000},
                                {2.0, 1.0, 500, 0, 600000, 995000, 1000000}};
    r.series = seconds;
    r.series_count = 2;

    std::string json = temp_path(".json"), svg = temp_path(".svg");
    ASSERT_EQ(report_network_json(json.c_str(), &o, &r), 0);
    std::string text = test_read_file(json);
    EXPECT_EQ(count(text, "{"), count(text, "}")) << text;
    EXPECT_EQ(count(text, "["), count(text, "]")) << text;
    for (const char *key :
         {"\"mode\": \"network\"", "\"ops_per_sec\": 500", "\"p99.99\"", "\"lost_updates\": 0",
          "\"series\"", "\"p99_us\": 990", "\"latency_by_op_us\"", "\"set\": {",
          "\"label\": \"a \\\"quoted\\\" <label>\"", "\"command\""})
        EXPECT_NE(text.find(key), std::string::npos) << key << " in\n" << text;
    EXPECT_EQ(count(text, "\"t_s\""), 2u);

    ASSERT_EQ(svg_network(svg.c_str(), &o, &r), 0);
    std::string chart = test_read_file(svg);
    EXPECT_EQ(chart.rfind("<?xml", 0), 0u);
    EXPECT_NE(chart.find("</svg>"), std::string::npos);
    EXPECT_NE(chart.find("&quot;quoted&quot; &lt;label&gt;"), std::string::npos);
    EXPECT_EQ(count(chart, "<polyline"), 3u);                        // ops/s, p50, p99
    EXPECT_NE(chart.find("latency (\xc2\xb5s)"), std::string::npos); // p99 below 1 ms

    EXPECT_LT(report_network_json("/nonexistent-dir/x.json", &o, &r), 0);
    EXPECT_LT(svg_network("/nonexistent-dir/x.svg", &o, &r), 0);
    // The text report: one latency row per operation.
    char *buf = nullptr;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    ASSERT_NE(mem, nullptr);
    report_network_text(mem, &o, &r);
    fclose(mem);
    std::string table(buf, size);
    free(buf);
    EXPECT_NE(table.find("latency by operation:"), std::string::npos) << table;
    EXPECT_NE(table.find("\nget "), std::string::npos) << table;
    EXPECT_NE(table.find("\nset "), std::string::npos) << table;

    r.series = nullptr; // not ours
    hist_free(r.latency);
    hist_free(r.op_latency[OP_GET]);
    hist_free(r.op_latency[OP_SET]);
    unlink(json.c_str());
    unlink(svg.c_str());
}

// A queue run's text and JSON: items pushed and popped with their rates,
// push and pop latency, and the verify line.
TEST(Report, Queue)
{
    std::vector<std::string> storage;
    std::vector<char *> argv;
    stress_options o = options(storage, argv, {"--queue", "2:3", "--verify", "--queue-sabotage"});
    network_result r{};
    r.latency = hist_new();
    r.op_latency[OP_LPUSH] = hist_new();
    r.op_latency[OP_BRPOP] = hist_new();
    for (uint64_t i = 1; i <= 100; i++) {
        hist_record(r.latency, i * 1000);
        hist_record(r.op_latency[i % 2 ? OP_LPUSH : OP_BRPOP], i * 1000);
    }
    r.ops = 100;
    r.op_counts[OP_LPUSH] = 50;
    r.op_counts[OP_BRPOP] = 50;
    r.elapsed_s = 2.5;
    r.queue.items_pushed = 50;
    r.queue.items_popped = 40;
    r.queue.push_elapsed_s = 2.0;
    r.queue.pop_elapsed_s = 2.0;
    r.queue.sabotaged = true;
    r.queue.sabotage_at_s = 1.0;
    r.queue.verified = true;
    r.queue.verify.pushes_acked = 50;
    r.queue.verify.pops = 40;
    r.queue.verify.missing = 10;
    r.queue.verify.items_lost = 10;

    char *buf = nullptr;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    ASSERT_NE(mem, nullptr);
    report_network_text(mem, &o, &r);
    fclose(mem);
    std::string text(buf, size);
    free(buf);
    for (const char *line :
         {"queue: 2 producers, 3 consumers (brpop) on 4 keys", "sabotage",
          "queue: 50 items pushed in 2.00 s (25/s), 40 popped in 2.00 s (20/s)",
          "--queue-sabotage deleted queue:0 holding items at 1.00 s", "\nlpush ", "\nbrpop ",
          "items lost: 10, duplicated: 0, never pushed: 0, out of order: 0, protocol errors: 0"})
        EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
    EXPECT_EQ(text.find("lost updates"), std::string::npos) << text;
    EXPECT_TRUE(network_verify_failed(&r));
    r.queue.verify.items_lost = 0;
    EXPECT_FALSE(network_verify_failed(&r));
    r.queue.verify.out_of_order = 1;
    EXPECT_TRUE(network_verify_failed(&r));

    std::string json = temp_path("-queue.json");
    ASSERT_EQ(report_network_json(json.c_str(), &o, &r), 0);
    std::string report = test_read_file(json);
    EXPECT_EQ(count(report, "{"), count(report, "}")) << report;
    for (const char *key : {"\"producers\": 2", "\"pop\": \"brpop\"", "\"items_pushed\": 50",
                            "\"pushes_per_sec\": 25", "\"items_lost\": 0", "\"out_of_order\": 1",
                            "\"brpop\": {", "\"sabotaged\": true"})
        EXPECT_NE(report.find(key), std::string::npos) << key << " in\n" << report;
    EXPECT_EQ(report.find("\"mix\""), std::string::npos) << report; // not the queue's
    unlink(json.c_str());
    hist_free(r.latency);
    hist_free(r.op_latency[OP_LPUSH]);
    hist_free(r.op_latency[OP_BRPOP]);
}

namespace
{

std::string text_report(const stress_options &o, const network_result &r)
{
    char *buf = nullptr;
    size_t size = 0;
    FILE *mem = open_memstream(&buf, &size);
    EXPECT_NE(mem, nullptr);
    report_network_text(mem, &o, &r);
    fclose(mem);
    std::string text(buf, size);
    free(buf);
    return text;
}

} // namespace

// A pub/sub run's text and JSON: messages published and received with their
// rates, the receiver counts, the delivery latency and the verify line.
TEST(Report, Pubsub)
{
    std::vector<std::string> storage;
    std::vector<char *> argv;
    stress_options o =
        options(storage, argv,
                {"--pubsub", "2:3", "--pubsub-patterns", "1", "--verify", "--pubsub-sabotage"});
    network_result r{};
    r.latency = hist_new();
    r.op_latency[OP_PUBLISH] = hist_new();
    r.pubsub.delivery = hist_new();
    for (uint64_t i = 1; i <= 100; i++) {
        hist_record(r.latency, i * 1000);
        hist_record(r.op_latency[OP_PUBLISH], i * 1000);
        hist_record(r.pubsub.delivery, i * 2000);
    }
    r.ops = r.op_counts[OP_PUBLISH] = 100;
    r.elapsed_s = 2.5;
    r.pubsub.messages_published = 100;
    r.pubsub.publish_elapsed_s = 2.0;
    r.pubsub.messages_received = 290;
    r.pubsub.receive_elapsed_s = 2.0;
    r.pubsub.receiver_mismatches = 10;
    r.pubsub.first_bad_receivers = 2;
    r.pubsub.sabotaged = true;
    r.pubsub.sabotage_at_s = 1.0;
    r.pubsub.sabotage_away_s = 0.2;
    r.pubsub.verified = true;
    r.pubsub.verify.publishes_acked = 100;
    r.pubsub.verify.received = 290;
    r.pubsub.verify.expected = 300;
    r.pubsub.verify.messages_lost = 10;
    r.pubsub.verify.receiver_mismatches = 10;

    std::string text = text_report(o, r);
    for (const char *line :
         {"pubsub: 2 publishers, 3 subscribers (1 by pattern) on 4 channels", "sabotage",
          "pubsub: 100 messages published in 2.00 s (50/s), 290 received in 2.00 s (145/s; 300 "
          "expected: each by 3 subscribers)",
          "PUBLISH answered a receiver count other than 3 10 times (first: 2)",
          "subscriber 0 left at 1.00 s and came back after 0.20 s", "\npublish ",
          "delivery latency (PUBLISH written to message read, CLOCK_MONOTONIC):",
          "verify: 100 publishes acknowledged (0 in doubt), 290 messages received of 300 expected",
          "messages lost: 10, duplicated: 0, reordered: 0, never published: 0, receiver counts "
          "wrong: 10, protocol errors: 0"})
        EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
    EXPECT_TRUE(network_verify_failed(&r));
    r.pubsub.verify.messages_lost = 0;
    EXPECT_TRUE(network_verify_failed(&r)); // the receiver counts still
    r.pubsub.verify.receiver_mismatches = 0;
    EXPECT_FALSE(network_verify_failed(&r));
    r.pubsub.verify.reordered = 1;
    EXPECT_TRUE(network_verify_failed(&r));

    std::string json = temp_path("-pubsub.json");
    ASSERT_EQ(report_network_json(json.c_str(), &o, &r), 0);
    std::string report = test_read_file(json);
    EXPECT_EQ(count(report, "{"), count(report, "}")) << report;
    for (const char *key :
         {"\"publishers\": 2", "\"pattern_subscribers\": 1", "\"messages_published\": 100",
          "\"publishes_per_sec\": 50", "\"messages_per_sec\": 145", "\"delivery_latency_us\": {",
          "\"reordered\": 1", "\"messages_lost\": 0", "\"publish\": {", "\"sabotaged\": true"})
        EXPECT_NE(report.find(key), std::string::npos) << key << " in\n" << report;
    EXPECT_EQ(report.find("\"mix\""), std::string::npos) << report;
    unlink(json.c_str());
    hist_free(r.latency);
    hist_free(r.op_latency[OP_PUBLISH]);
    hist_free(r.pubsub.delivery);
}

// A transfer run's text and JSON: moves and sums with their rates, WATCH
// retries, the final total, the sabotage and the verify line.
TEST(Report, Transfer)
{
    std::vector<std::string> storage;
    std::vector<char *> argv;
    stress_options o =
        options(storage, argv,
                {"--transfer", "4:2", "--transfer-watch", "--verify", "--transfer-sabotage"});
    network_result r{};
    r.latency = hist_new();
    r.op_latency[OP_TRANSFER] = hist_new();
    r.op_latency[OP_SUM] = hist_new();
    for (uint64_t i = 1; i <= 100; i++) {
        hist_record(r.latency, i * 1000);
        hist_record(r.op_latency[i % 2 ? OP_TRANSFER : OP_SUM], i * 1000);
    }
    r.ops = 100;
    r.op_counts[OP_TRANSFER] = r.op_counts[OP_SUM] = 50;
    r.elapsed_s = 2.0;
    r.transfer.moves_committed = 50;
    r.transfer.watch_retries = 5;
    r.transfer.sums_read = 50;
    r.transfer.bad_sums = 20;
    r.transfer.move_elapsed_s = 2.0;
    r.transfer.final_total = 15963;
    r.transfer.sabotaged = true;
    r.transfer.sabotage_at_s = 1.0;
    r.transfer.sabotage_amount = 37;
    r.transfer.verified = true;
    r.transfer.verify = {21, 15963, 1, true, 0, 50, 0, 5, 50, 16000, 15963};

    std::string text = text_report(o, r);
    for (const char *line :
         {"transfer: 4 movers (WATCH, GET, MULTI, SET, EXEC), 2 readers (GET in MULTI) on 16 "
          "accounts",
          "transfer: 50 moves committed in 2.00 s (25/s), 5 WATCH retries (0.100 per move); 50 "
          "sums read (25/s), 20 of them not 16000",
          "the accounts add up to 15963 after the run (16000 before)",
          "--transfer-sabotage took 37 from account:0 outside any transaction at 1.00 s",
          "\ntransfer ", "\nsum ",
          "verify: 50 sums read, 50 moves committed (0 in doubt), 5 WATCH retries, final total "
          "15963 of 16000, balances checked",
          "the first sum that was not 16000: 15963",
          "invariant violations: 21, balances wrong: 1, protocol errors: 0"})
        EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
    EXPECT_TRUE(network_verify_failed(&r));
    r.transfer.verify.violations = 0;
    EXPECT_TRUE(network_verify_failed(&r)); // the balance still
    r.transfer.verify.balances_wrong = 0;
    EXPECT_FALSE(network_verify_failed(&r));
    r.transfer.final_errors = 1;
    EXPECT_TRUE(network_verify_failed(&r));

    std::string json = temp_path("-transfer.json");
    ASSERT_EQ(report_network_json(json.c_str(), &o, &r), 0);
    std::string report = test_read_file(json);
    EXPECT_EQ(count(report, "{"), count(report, "}")) << report;
    for (const char *key :
         {"\"movers\": 4", "\"watch\": true", "\"read\": \"get\"", "\"moves_committed\": 50",
          "\"moves_per_sec\": 25", "\"watch_retries\": 5", "\"invariant_violations\": 0",
          "\"final_total\": 15963", "\"transfer\": {", "\"sum\": {"})
        EXPECT_NE(report.find(key), std::string::npos) << key << " in\n" << report;
    EXPECT_EQ(report.find("\"value_size\""), std::string::npos) << report;
    unlink(json.c_str());
    hist_free(r.latency);
    hist_free(r.op_latency[OP_TRANSFER]);
    hist_free(r.op_latency[OP_SUM]);
}

TEST(Report, SweepJsonAndSvg)
{
    std::vector<std::string> storage;
    std::vector<char *> argv;
    stress_options o =
        options(storage, argv, {"--inprocess", "--threads", "1,2", "--shards", "1,16"});
    std::vector<sweep_point> points;
    for (int d = 0; d < o.dist_count; d++)
        for (int s = 0; s < o.shard_count; s++)
            for (int t = 0; t < o.thread_count; t++) {
                sweep_point p{};
                p.threads = o.threads[t];
                p.shards = o.shards[s];
                p.dist = o.dists[d];
                p.ops = 1000000u * (uint64_t)(t + 1);
                p.elapsed_s = 1.0;
                p.locks = {p.ops, 100u * (uint64_t)t, 5000u * (uint64_t)t};
                points.push_back(p);
            }
    sweep_result r{points.data(), points.size(), false};
    std::string json = temp_path("-sweep.json"), svg = temp_path("-sweep.svg");
    ASSERT_EQ(report_sweep_json(json.c_str(), &o, &r), 0);
    std::string text = test_read_file(json);
    EXPECT_EQ(count(text, "\"shards\""), 8u);
    EXPECT_NE(text.find("\"lock_contended\": 100"), std::string::npos) << text;
    EXPECT_NE(text.find("\"dist\": \"hot:0.9\""), std::string::npos) << text;
    ASSERT_EQ(svg_sweep(svg.c_str(), &o, &r), 0);
    std::string chart = test_read_file(svg);
    EXPECT_EQ(count(chart, "<polyline"), 4u); // 2 shard counts x 2 distributions
    EXPECT_NE(chart.find("16 shards, hot:0.9"), std::string::npos);
    EXPECT_NE(chart.find(">threads<"), std::string::npos);
    unlink(json.c_str());
    unlink(svg.c_str());
}
