#pragma once
// Runs an action when the scope ends, whichever way it ends (return, co_return, exception, or a
// coroutine destroyed while suspended).

namespace mcpgate {

template <class Action>
struct OnScopeExit {
  Action action;
  ~OnScopeExit() { action(); }
};
template <class Action>
OnScopeExit(Action) -> OnScopeExit<Action>;

}  // namespace mcpgate
