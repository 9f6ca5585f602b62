#pragma once
/// @file callback.hpp
/// A move-only `void()` callable for event handlers that never allocates for small, trivially
/// copyable lambdas (the hot events: a few pointers and integers) and moves by copying bytes.
/// Larger or non-trivial lambdas (messages carrying strings or vectors) are kept on the heap.
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace cgsim::sim {

class Callback {
 public:
  /// Inline capacity and alignment: with two function pointers the callback is 56 bytes, so an
  /// engine slot (callback plus generation) fills exactly one 64-byte cache line.
  static constexpr std::size_t kInline = 40;
  static constexpr std::size_t kAlign = alignof(void*);
  /// True when a callable of type @p T is kept in the callback itself rather than on the heap.
  template <typename T>
  static constexpr bool stored_inline = sizeof(T) <= kInline && alignof(T) <= kAlign &&
                                        std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>;

  Callback() = default;
  Callback(std::nullptr_t) {}

  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback>>>
  Callback(F&& f) {  // NOLINT: implicit, like std::function
    construct(std::forward<F>(f));
  }

  Callback(Callback&& o) noexcept { take(o); }
  Callback& operator=(Callback&& o) noexcept {
    if (this != &o) {
      reset();
      take(o);
    }
    return *this;
  }
  Callback& operator=(std::nullptr_t) {
    reset();
    return *this;
  }
  Callback(const Callback&) = delete;
  Callback& operator=(const Callback&) = delete;
  ~Callback() { reset(); }

  /// Makes this callback, which must be empty, hold @p f: a callable is constructed in place, a
  /// Callback is moved in. Saves the temporary that `= Callback(f)` would build and move.
  template <typename F>
  void emplace(F&& f) {
    if constexpr (std::is_same_v<std::decay_t<F>, Callback>) {
      static_assert(!std::is_lvalue_reference_v<F>, "a Callback is move-only: pass it with std::move");
      take(f);
    } else {
      construct(std::forward<F>(f));
    }
  }

  /// True when emplace(F) cannot throw: a Callback moved in, or a callable stored inline whose
  /// constructor from F does not throw.
  template <typename F>
  static constexpr bool nothrow_emplace = [] {
    using T = std::decay_t<F>;
    if constexpr (std::is_same_v<T, Callback>) {
      return true;
    } else {
      return stored_inline<T> && std::is_nothrow_constructible_v<T, F&&>;
    }
  }();

  explicit operator bool() const { return invoke_ != nullptr; }
  void operator()() { invoke_(buf_); }

 private:
  template <typename F>
  void construct(F&& f) {
    using T = std::decay_t<F>;
    if constexpr (stored_inline<T>) {
      // Moves copy the whole buffer; an empty lambda initialises none of it.
      if constexpr (std::is_empty_v<T>) std::memset(buf_, 0, kInline);
      ::new (static_cast<void*>(buf_)) T(std::forward<F>(f));
      invoke_ = [](void* p) { (*static_cast<T*>(p))(); };
      destroy_ = nullptr;
    } else {
      T* heap = new T(std::forward<F>(f));
      std::memcpy(buf_, &heap, sizeof heap);
      invoke_ = [](void* p) {
        T* h;
        std::memcpy(&h, p, sizeof h);
        (*h)();
      };
      destroy_ = [](void* p) {
        T* h;
        std::memcpy(&h, p, sizeof h);
        delete h;
      };
    }
  }
  void take(Callback& o) {
    std::memcpy(buf_, o.buf_, kInline);
    invoke_ = o.invoke_;
    destroy_ = o.destroy_;
    o.invoke_ = nullptr;
    o.destroy_ = nullptr;
  }
  void reset() {
    if (destroy_) destroy_(buf_);
    invoke_ = nullptr;
    destroy_ = nullptr;
  }

  alignas(kAlign) unsigned char buf_[kInline];
  void (*invoke_)(void*) = nullptr;
  void (*destroy_)(void*) = nullptr;
};

}  // namespace cgsim::sim
