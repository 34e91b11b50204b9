package overlay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"s6box/core/envdir"
)

// The paths s6-overlay's users script against.
const (
	RunDir        = "/run"
	StateDir      = "/run/s6"                       // removed and remade at every start
	BaseDirLink   = "/run/s6/basedir"               // points to the tree: /run/s6/basedir/bin/halt works
	ContEnvDir    = "/run/s6/container_environment" // the container's environment, one file per variable
	WorkdirFile   = "/run/s6/workdir"               // the container's working directory, for the CMD
	RunImageDir   = "/run/s6/run-image"             // the run image init copies, with the catch-all logger
	KeepEnvDir    = "/run/s6/env"                   // init's envdir under S6_KEEP_ENV
	CompiledDB    = "/run/s6/db"                    // the s6-rc database compiled at start
	RCSourceDir   = "/run/s6/rc-sources"            // generated s6-rc source definitions
	LegacyDir     = "/run/s6/legacy-services"       // copies of /etc/services.d
	ScanDir       = "/run/service"
	RCLiveDir     = "/run/s6-rc"
	ResultsDir    = "/run/s6-linux-init-container-results"
	LogDirDefault = "/var/log/s6-uncaught-logs" // S6_LOGGING 1 or 2
	LogDirRunOnly = "/run/uncaught-logs"        // the same with S6_READ_ONLY_ROOT
)

// WriteContEnv writes env (KEY=VALUE strings) into dir as s6-dumpenv does:
// one file per variable holding exactly its value. dir is made afresh.
// Names that cannot be file names are skipped.
func WriteContEnv(dir string, env []string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("unable to remove %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("unable to create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("unable to chmod %s: %w", dir, err)
	}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" || strings.Contains(k, "/") || strings.HasPrefix(k, ".") {
			continue
		}
		p := filepath.Join(dir, k)
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			return fmt.Errorf("unable to write %s: %w", p, err)
		}
	}
	return nil
}

// contEnvOptions is how s6-overlay reads the store (s6-envdir -Lf): whole
// files, no size limit, trailing newlines dropped.
var contEnvOptions = envdir.Options{WholeFile: true, NoLimit: true}

// ReadContEnv reads the store written by WriteContEnv as KEY=VALUE strings.
func ReadContEnv(dir string) ([]string, error) {
	changes, err := envdir.Read(dir, contEnvOptions)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(changes))
	for _, c := range changes {
		if !c.Unset {
			out = append(out, c.Name+"="+c.Value)
		}
	}
	return out, nil
}

// ErrNotSet is printcontenv's "no such variable".
var ErrNotSet = errors.New("not set in the container environment")

// keepEnv tells whether env has a nonzero S6_KEEP_ENV.
func keepEnv(env []string) bool {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "S6_KEEP_ENV="); ok {
			n, good := number(v)
			return good && n != 0
		}
	}
	return false
}

// ContainerEnv is the container's environment as with-contenv gives it:
// env itself under S6_KEEP_ENV (nothing was stored), otherwise PATH from
// env followed by the store's variables.
func ContainerEnv(dir string, env []string) ([]string, error) {
	if keepEnv(env) {
		return env, nil
	}
	stored, err := ReadContEnv(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, kv := range env {
		if strings.HasPrefix(kv, "PATH=") {
			out = append(out, kv)
		}
	}
	return append(out, stored...), nil
}

// Lookup is printcontenv: name's value in the container environment.
func Lookup(dir string, env []string, name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "/=") {
		return "", fmt.Errorf("%q: %w", name, ErrNotSet)
	}
	vars := env
	if !keepEnv(env) {
		var err error
		if vars, err = ReadContEnv(dir); err != nil {
			return "", err
		}
	}
	for _, kv := range vars {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("%s: %w", name, ErrNotSet)
}

// LoadSettings parses the S6_* variables of the container environment:
// env under S6_KEEP_ENV, the store otherwise (init gave stages 2 and 3 a
// minimal environment).
func LoadSettings(dir string, env []string) (Settings, []string, error) {
	if keepEnv(env) {
		return Parse(env)
	}
	stored, err := ReadContEnv(dir)
	if err != nil {
		return Settings{}, nil, err
	}
	return Parse(stored)
}
