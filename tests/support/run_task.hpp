#pragma once
// Runs one coroutine on an io_context until it completes, even while other work (a client's
// reconnection loop, say) keeps the context busy forever. The bound only turns a hang into a
// failure; nothing waits for it to pass.
#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace mcpgate::testing {

template <class T>
T run_until_done(boost::asio::io_context& io, boost::asio::awaitable<T> task,
                 std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  std::optional<T> result;
  std::exception_ptr failure;
  bool done = false;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = e;
    if (!e) result.emplace(std::move(value));
    done = true;
  });
  auto deadline = std::chrono::steady_clock::now() + limit;
  if (io.stopped()) io.restart();
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
  if (failure) std::rethrow_exception(failure);
  if (!done) throw std::runtime_error("the coroutine did not complete in time");
  return std::move(*result);
}

// Runs the context's ready work until `predicate` holds (or the bound passes); false if it never did.
template <class Predicate>
bool run_until(boost::asio::io_context& io, Predicate predicate,
               std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  if (io.stopped()) io.restart();
  while (!predicate() && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(50));
  return predicate();
}

}  // namespace mcpgate::testing
