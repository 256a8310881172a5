//! Technical indicator kernels: batch functions over slices and streaming structs with O(1) updates.
