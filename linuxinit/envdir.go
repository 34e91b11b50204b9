package linuxinit

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ReadEnvdir reads dir in s6-envdir's verbatim mode: every file whose name
// does not start with a dot and has no '=' is a variable; an empty file
// unsets it (value nil); otherwise the value is the whole file minus one
// trailing newline, with NULs turned into newlines.
func ReadEnvdir(dir string) (map[string]*string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("unable to read envdir %s: %w", dir, err)
	}
	out := map[string]*string{}
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".") || strings.Contains(n, "=") || e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("unable to read %s: %w", filepath.Join(dir, n), err)
		}
		if len(b) == 0 {
			out[n] = nil
			continue
		}
		s := strings.TrimSuffix(string(b), "\n")
		s = strings.ReplaceAll(s, "\x00", "\n")
		out[n] = &s
	}
	return out, nil
}

// BuildEnv makes the environment of everything pid 1 starts: PATH, then
// the envdir's variables (sorted, unset ones dropped), then extra.
func BuildEnv(path string, vars map[string]*string, extra ...string) []string {
	env := []string{"PATH=" + path}
	var names []string
	for n := range vars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if n == "PATH" {
			if vars[n] != nil {
				env[0] = "PATH=" + *vars[n]
			} else {
				env = env[1:]
			}
			continue
		}
		if vars[n] != nil {
			env = append(env, n+"="+*vars[n])
		}
	}
	return append(env, extra...)
}

// DumpEnv writes env (key=value strings) into dir, one file per variable,
// readable with s6-envdir -f.
func DumpEnv(dir string, env []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("unable to create %s: %w", dir, err)
	}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || strings.Contains(k, "/") || strings.HasPrefix(k, ".") {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v+"\n"), 0o644); err != nil {
			return fmt.Errorf("unable to write %s: %w", filepath.Join(dir, k), err)
		}
	}
	return nil
}

// Runlevel picks the runlevel from init's arguments: the first word that is
// "default" or 1 to 5; otherwise initdefault. Containers do not scan.
func Runlevel(args []string, initdefault string, container bool) string {
	if !container {
		for _, a := range args {
			switch a {
			case "default", "1", "2", "3", "4", "5":
				return a
			}
		}
	}
	return initdefault
}
