package compile

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// forEach runs f(0) … f(n-1) on up to GOMAXPROCS (at most 4) goroutines
// and returns the error of the lowest index that failed, so the caller
// reports the same error as a sequential loop would. Every f must touch
// only its own index's state.
func forEach(n int, f func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), 4, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, n)
	var next atomic.Int64
	var failed atomic.Int64 // lowest failed index + 1 seen so far (0: none)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if f1 := failed.Load(); f1 != 0 && int64(i) >= f1 {
					continue // a lower index already failed: no need
				}
				if errs[i] = f(i); errs[i] != nil {
					for {
						f1 := failed.Load()
						if f1 != 0 && f1 <= int64(i)+1 || failed.CompareAndSwap(f1, int64(i)+1) {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
