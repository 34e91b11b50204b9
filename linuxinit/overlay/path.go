package overlay

import "s6box/core/execpath"

// lookPath finds prog in env's PATH (a name with a slash is used as is).
func lookPath(prog string, env []string) (string, error) {
	return execpath.Look(prog, execpath.FromEnviron(env))
}
