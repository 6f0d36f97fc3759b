// Polls a condition that must come true (a wake-up that must arrive, a closed
// client leaving the count) until `timeout`: a lost wake-up or a hang shows
// as a failed check instead of a stuck test. Never a speed assertion.
#ifndef MAGPIE_TEST_EVENTUALLY_H
#define MAGPIE_TEST_EVENTUALLY_H

#include <chrono>
#include <thread>

template <typename Cond>
bool eventually(Cond cond, std::chrono::milliseconds timeout = std::chrono::seconds(120),
                std::chrono::microseconds poll = std::chrono::milliseconds(1))
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!cond()) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        std::this_thread::sleep_for(poll);
    }
    return true;
}

#endif
