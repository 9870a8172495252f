#pragma once
#include <compare>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/fwd.hpp>

namespace mcpgate::http {

// Header fields in arrival order; names compare case-insensitively. Duplicates are kept,
// because some checks (two Authorization headers) must see them.
//
// All names and values live in one string, so a message's fields cost two allocations however
// many there are (a field of its own would cost one or two each), and clearing keeps the
// capacity for the next message on the same connection. Views from get() and fields() stay valid
// until the next add() or set().
class Headers {
 public:
  using Field = std::pair<std::string_view, std::string_view>;  // name, value

  class FieldRange {
   public:
    class iterator {
     public:
      using iterator_category = std::random_access_iterator_tag;
      using value_type = Field;
      using difference_type = std::ptrdiff_t;
      using pointer = void;
      using reference = Field;
      iterator() = default;
      iterator(const Headers* owner, size_t at) : owner_(owner), at_(at) {}
      Field operator*() const { return owner_->field(at_); }
      Field operator[](difference_type n) const { return owner_->field(size_t(difference_type(at_) + n)); }
      iterator& operator++() { return ++at_, *this; }
      iterator operator++(int) { return {owner_, at_++}; }
      iterator& operator--() { return --at_, *this; }
      iterator operator--(int) { return {owner_, at_--}; }
      iterator& operator+=(difference_type n) { return at_ = size_t(difference_type(at_) + n), *this; }
      iterator& operator-=(difference_type n) { return *this += -n; }
      friend iterator operator+(iterator i, difference_type n) { return i += n; }
      friend iterator operator-(iterator i, difference_type n) { return i -= n; }
      friend difference_type operator-(iterator a, iterator b) {
        return difference_type(a.at_) - difference_type(b.at_);
      }
      friend auto operator<=>(const iterator& a, const iterator& b) { return a.at_ <=> b.at_; }
      friend bool operator==(const iterator& a, const iterator& b) { return a.at_ == b.at_; }

     private:
      const Headers* owner_ = nullptr;
      size_t at_ = 0;
    };
    explicit FieldRange(const Headers* owner) : owner_(owner) {}
    iterator begin() const { return {owner_, 0}; }
    iterator end() const { return {owner_, owner_->size()}; }
    size_t size() const { return owner_->size(); }
    bool empty() const { return owner_->empty(); }
    Field operator[](size_t i) const { return owner_->field(i); }
    Field front() const { return owner_->field(0); }
    Field back() const { return owner_->field(owner_->size() - 1); }

   private:
    const Headers* owner_;
  };

  void add(std::string_view name, std::string_view value);
  void set(std::string_view name, std::string_view value);  // replaces every field of that name
  void remove(std::string_view name);
  void clear() {
    text_.clear();
    slots_.clear();
  }
  void reserve(size_t fields, size_t bytes) {
    slots_.reserve(fields);
    text_.reserve(bytes);
  }
  std::optional<std::string_view> get(std::string_view name) const;  // first of that name
  size_t count(std::string_view name) const;
  size_t size() const { return slots_.size(); }
  bool empty() const { return slots_.empty(); }
  Field field(size_t i) const {
    const auto& s = slots_[i];
    const char* at = text_.data() + s.name_at;
    return {std::string_view(at, s.name_size), std::string_view(at + s.name_size, s.value_size)};
  }
  FieldRange fields() const { return FieldRange(this); }
  // Fields as owned pairs, for tests and messages.
  std::vector<std::pair<std::string, std::string>> pairs() const;

 private:
  struct Slot {
    uint32_t name_at;  // the value follows the name directly
    uint32_t name_size;
    uint32_t value_size;
  };
  std::string text_;
  std::vector<Slot> slots_;
};

struct Request {
  std::string method;     // "GET", "POST", ...
  std::string target;     // as received: path and query
  std::string path;       // target up to '?', still percent-encoded
  std::string query;      // after '?', without it
  unsigned version = 11;  // HTTP/1.1; 10 for HTTP/1.0
  Headers headers;
  std::string body;
  std::string scheme = "http";  // of the listener that received it
  std::string remote_address;

  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response json(int status, const boost::json::value& body);
  static Response text(int status, std::string body, std::string_view content_type = "text/plain; charset=utf-8");
  static Response redirect(std::string_view location, int status = 302);
};

std::string_view reason_phrase(int status);

}  // namespace mcpgate::http
