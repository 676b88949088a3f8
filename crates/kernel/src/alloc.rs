//! The wasm build's global allocator: power-of-two size classes, one free
//! list each, carved from memory grown 64 KB pages at a time. About 0.5 KB
//! of wasm where the standard library's dlmalloc takes about 5 KB, and a
//! handful of instructions per allocation.
//!
//! Trade-off: a block is never split, merged or given back (wasm memory
//! cannot shrink anyway), so a program holds at most twice its peak use of
//! each size class. An SDK that signs, verifies and sends small requests
//! uses little; a 1 MB gateway answer is the largest thing it holds.
//!
//! Single-threaded: wasm32-unknown-unknown without atomics has one thread.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;

/// Page size of wasm memory.
const PAGE: usize = 65536;
/// Smallest block: room for the free-list link, and 8-byte alignment.
const MIN_CLASS: u32 = 3;
/// Classes 2^3 ..= 2^31.
const CLASSES: usize = 32;

/// Where new memory comes from: `grow(pages)` returns the address of
/// `pages` fresh pages, or `None`.
pub trait Memory {
    /// Grows memory by `pages` pages; the address of the first new byte.
    fn grow(&self, pages: usize) -> Option<usize>;
}

/// wasm32's linear memory 0.
#[cfg(target_arch = "wasm32")]
pub struct WasmMemory;

#[cfg(target_arch = "wasm32")]
impl Memory for WasmMemory {
    fn grow(&self, pages: usize) -> Option<usize> {
        let old = core::arch::wasm32::memory_grow(0, pages);
        (old != usize::MAX).then(|| old * PAGE)
    }
}

struct State {
    /// Head of each class's free list (0: empty).
    free: [usize; CLASSES],
    /// The unused rest of the last grown region: `top..end`.
    top: usize,
    end: usize,
}

/// The allocator: `#[global_allocator] static A: SizeClasses<WasmMemory> = SizeClasses::new(WasmMemory);`
pub struct SizeClasses<M> {
    memory: M,
    state: UnsafeCell<State>,
}

// SAFETY: one thread (see the module doc); on the host it serves tests
// that use it from one thread.
unsafe impl<M> Sync for SizeClasses<M> {}

impl<M: Memory> SizeClasses<M> {
    /// An allocator that has not grown memory yet.
    pub const fn new(memory: M) -> Self {
        SizeClasses { memory, state: UnsafeCell::new(State { free: [0; CLASSES], top: 0, end: 0 }) }
    }

    /// The size class of `layout`: log2 of the block size, `None` if too big.
    fn class(layout: Layout) -> Option<u32> {
        let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
        let class = usize::BITS - (size - 1).leading_zeros();
        (class < CLASSES as u32 && layout.align() <= PAGE).then_some(class)
    }

    /// A new block of class `class`, aligned to its size (up to a page).
    unsafe fn carve(&self, s: &mut State, class: u32) -> *mut u8 {
        let size = 1usize << class;
        let align = size.min(PAGE);
        let mut start = (s.top + align - 1) & !(align - 1);
        if start + size > s.end {
            // Two pages for small blocks, so that growing stays rare.
            let pages = size.div_ceil(PAGE).max(2);
            let Some(base) = self.memory.grow(pages) else { return std::ptr::null_mut() };
            if base != s.end {
                s.top = base; // not contiguous: the old tail stays unused
            }
            s.end = base + pages * PAGE;
            start = (s.top + align - 1) & !(align - 1);
            if start + size > s.end {
                start = base; // contiguous, but the old tail is too small
            }
        }
        s.top = start + size;
        start as *mut u8
    }
}

unsafe impl<M: Memory> GlobalAlloc for SizeClasses<M> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = Self::class(layout) else { return std::ptr::null_mut() };
        let s = &mut *self.state.get();
        let head = s.free[class as usize];
        if head != 0 {
            s.free[class as usize] = *(head as *const usize);
            return head as *mut u8;
        }
        self.carve(s, class)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(class) = Self::class(layout) else { return };
        let s = &mut *self.state.get();
        *(ptr as *mut usize) = s.free[class as usize];
        s.free[class as usize] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if Self::class(layout).is_some() && Self::class(layout) == Self::class(new_layout) {
            return ptr;
        }
        let new = self.alloc(new_layout);
        if !new.is_null() {
            std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// Pages handed out from a fixed arena, as memory.grow would.
    struct Arena {
        base: usize,
        pages: usize,
        used: Cell<usize>,
    }

    impl Memory for &Arena {
        fn grow(&self, pages: usize) -> Option<usize> {
            let used = self.used.get();
            (used + pages <= self.pages).then(|| {
                self.used.set(used + pages);
                self.base + used * PAGE
            })
        }
    }

    #[test]
    fn blocks_are_aligned_disjoint_reused_and_kept_by_realloc() {
        let pages = 2048;
        let buf = vec![0u8; (pages + 1) * PAGE];
        let base = (buf.as_ptr() as usize + PAGE - 1) & !(PAGE - 1);
        let arena = Arena { base, pages, used: Cell::new(0) };
        let a = SizeClasses::new(&arena);
        let mut live: Vec<(usize, Layout)> = Vec::new();
        let mut seed = 1u32;
        for step in 0..2000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let r = (seed >> 8) as usize;
            if r % 3 == 0 && !live.is_empty() {
                let (p, l) = live.swap_remove(r % live.len());
                unsafe { a.dealloc(p as *mut u8, l) };
                continue;
            }
            let size = 1 + r % [16, 100, 3000, 70_000][step % 4];
            let align = 1 << (r % 5);
            let l = Layout::from_size_align(size, align).unwrap();
            let p = unsafe { a.alloc(l) } as usize;
            assert_ne!(p, 0, "arena exhausted at step {step}");
            assert_eq!(p % align, 0);
            assert!(p >= base && p + size <= base + pages * PAGE);
            for &(q, m) in &live {
                assert!(p + size <= q || q + m.size() <= p, "overlap");
            }
            unsafe { std::ptr::write_bytes(p as *mut u8, 0xab, size) };
            live.push((p, l));
        }
        // realloc within a class keeps the block; across classes moves the bytes.
        let l = Layout::from_size_align(20, 4).unwrap();
        let p = unsafe { a.alloc(l) };
        unsafe { std::ptr::write_bytes(p, 7, 20) };
        assert_eq!(unsafe { a.realloc(p, l, 30) }, p);
        let q = unsafe { a.realloc(p, Layout::from_size_align(30, 4).unwrap(), 100) };
        assert_ne!(q, p);
        assert_eq!(unsafe { std::slice::from_raw_parts(q, 20) }, &[7; 20]);
    }
}
