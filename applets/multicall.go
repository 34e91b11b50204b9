package applets

import "strings"

// MulticallName is the name of the multicall executable itself: called by
// it, the applet name is the first argument.
const MulticallName = "s6box"

// IsMulticallName reports whether base, the last element of argv[0] or of
// the executable's path, names the multicall executable rather than one of
// its applets: s6box itself or a renamed copy such as s6box-1.2 or
// s6box.static.
func IsMulticallName(base string) bool {
	return base == MulticallName || strings.HasPrefix(base, MulticallName+"-") || strings.HasPrefix(base, MulticallName+".")
}
