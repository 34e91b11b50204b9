// Package execpath finds a program in a PATH list the way execvp does,
// without os/exec (which this binary does not otherwise need).
package execpath

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// DefaultPath is searched when the environment has no PATH.
const DefaultPath = "/usr/bin:/bin"

// Look finds prog in the colon-separated list pathList. A name with a slash
// is returned as is. The error is ENOENT when nothing matches, or EACCES
// when a candidate exists but is not executable.
func Look(prog, pathList string) (string, error) {
	if strings.Contains(prog, "/") {
		return prog, nil
	}
	var lastErr error = syscall.ENOENT
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" {
			dir = "."
		}
		cand := dir + "/" + prog
		st, err := os.Stat(cand)
		if err != nil || st.IsDir() {
			continue
		}
		if st.Mode()&0o111 == 0 {
			lastErr = syscall.EACCES
			continue
		}
		return cand, nil
	}
	return "", lastErr
}

// Env is the PATH of this process, or DefaultPath when it has none.
func Env() string {
	if p, ok := os.LookupEnv("PATH"); ok {
		return p
	}
	return DefaultPath
}

// FromEnviron is the PATH of an environment list (KEY=VALUE strings; the
// last PATH wins, as getenv on a built list would), or DefaultPath.
func FromEnviron(env []string) string {
	p := DefaultPath
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			p = kv[5:]
		}
	}
	return p
}
