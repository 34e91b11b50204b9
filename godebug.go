//go:debug containermaxprocs=0

package main

// The directive above turns off cgroup-aware GOMAXPROCS (Go 1.25+). With it
// on, the runtime keeps the cgroup's cpu.cfs_quota_us and cpu.cfs_period_us
// open for the whole life of every process (descriptors 3 and 4 in a fresh
// process), so a descriptor a chain-loader opens for its program (s6-setlock's
// lock) would get a different number than under real s6, and each start pays
// for the periodic re-reads. Supervision processes are mostly idle: GOMAXPROCS
// = number of CPUs is fine for them.
