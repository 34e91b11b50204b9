package applets

import (
	"os"
	"path/filepath"
	"syscall"
)

// NoChainEnv names the environment variable that, when set to a non-empty
// value, makes chain-loaders always exec, even into applets of this binary.
const NoChainEnv = "S6BOX_NOCHAIN"

// chainNext decides whether exec'ing argv (resolved to path) can be replaced
// by running the next step in this process: the current applet and the
// target must both be chain-loaders, and path must be this very executable
// (a symlink of the farm, a hard link, or the binary itself). It returns the
// context for the next step, or nil to exec for real.
//
// Everything the next applet changes (environment, credentials, limits,
// session, descriptors) is process state, so running it here leaves the final
// program with exactly what an exec chain would have given it; the runtime's
// raised RLIMIT_NOFILE is put back by syscall.Exec at the very end.
func (c *Ctx) chainNext(argv []string, path string) *Ctx {
	if c.Applet == nil || !c.Applet.Chain || c.Self() == "" || os.Getenv(NoChainEnv) != "" {
		return nil
	}
	name, args := filepath.Base(argv[0]), argv[1:]
	if IsMulticallName(name) {
		if len(args) == 0 {
			return nil
		}
		name, args = args[0], args[1:]
	}
	a := Find(Table(), name)
	if a == nil || !a.Chain || !sameFile(path, c.Self()) {
		return nil
	}
	return &Ctx{
		Prog: name, Args: args, Applet: a,
		Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr,
		Argv0: c.Argv0, self: c.self, selfDone: c.selfDone,
	}
}

func sameFile(a, b string) bool {
	var sa, sb syscall.Stat_t
	if syscall.Stat(a, &sa) != nil || syscall.Stat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}
