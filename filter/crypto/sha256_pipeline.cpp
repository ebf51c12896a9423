// SPDX-License-Identifier: MIT
#include "filter/crypto/sha256_pipeline.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace dkim::crypto {

// A ring of blocks between one producer (the caller) and one consumer (the
// thread). The producer fills the block at `head_`, which no one else
// touches while fewer than kBlocks are queued; a queued block stays counted
// until it has been hashed, so it is never refilled under the hasher.
class Sha256Pipeline::Worker {
 public:
  static constexpr std::size_t kBlocks = 4;
  static constexpr std::size_t kBlockSize = 256 * 1024;

  // Takes over the hash state so far, once the thread exists: if it cannot
  // be started (std::system_error) or the blocks cannot be had, `hash` is
  // left untouched for the caller to go on inline. The thread reads hash_
  // only after the first submit(), whose lock orders it after the move.
  explicit Worker(Sha256& hash) {
    for (auto& b : blocks_) b.data.reset(new char[kBlockSize]);  // not zero-filled
    thread_ = std::thread([this] { run(); });
    hash_ = std::move(hash);
  }

  ~Worker() { stop(); }

  void put(const char* data, std::size_t size) {
    while (size > 0) {
      Block& b = blocks_[head_];
      std::size_t n = std::min(size, kBlockSize - b.size);
      std::memcpy(b.data.get() + b.size, data, n);
      b.size += n;
      data += n;
      size -= n;
      if (b.size == kBlockSize) submit();
    }
  }

  Sha256Digest finish() {
    if (blocks_[head_].size > 0) submit();
    stop();
    return hash_.finish();
  }

 private:
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
  };

  // Queues the block at head_ and waits until the next one is free.
  void submit() {
    std::unique_lock<std::mutex> lock(mutex_);
    head_ = (head_ + 1) % kBlocks;
    ++queued_;
    work_.notify_one();
    room_.wait(lock, [this] { return queued_ < kBlocks; });
  }

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      work_.wait(lock, [this] { return queued_ > 0 || done_; });
      if (queued_ == 0) return;  // done_ and drained
      Block& b = blocks_[tail_];
      lock.unlock();
      hash_.update(b.data.get(), b.size);
      b.size = 0;
      lock.lock();
      tail_ = (tail_ + 1) % kBlocks;
      --queued_;
      room_.notify_one();
    }
  }

  void stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    work_.notify_one();
    thread_.join();
  }

  Sha256 hash_;
  Block blocks_[kBlocks];
  std::size_t head_ = 0;    // producer's block
  std::size_t tail_ = 0;    // next block to hash
  std::size_t queued_ = 0;  // blocks handed over and not yet hashed
  bool done_ = false;
  std::mutex mutex_;
  std::condition_variable work_;
  std::condition_variable room_;
  std::thread thread_;
};

Sha256Pipeline::Sha256Pipeline(std::size_t threshold) : threshold_(threshold) {}
Sha256Pipeline::~Sha256Pipeline() = default;

void Sha256Pipeline::update(const char* data, std::size_t size) {
  if (worker_) {
    worker_->put(data, size);
    return;
  }
  seen_ += size;
  if (seen_ > threshold_ && !tried_thread_) {
    tried_thread_ = true;
    try {
      worker_ = std::make_unique<Worker>(inline_);
      worker_->put(data, size);
      return;
    } catch (const std::exception&) {
      // No thread (or no memory for its blocks) to be had: inline_ is
      // untouched, so hashing simply continues here.
    }
  }
  inline_.update(data, size);
}

Sha256Digest Sha256Pipeline::finish() { return worker_ ? worker_->finish() : inline_.finish(); }

}  // namespace dkim::crypto
