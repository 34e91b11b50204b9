package accessrules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"s6box/core/cdb"
	"s6box/core/envdir"
	"s6box/core/rawio"
)

// Compile walks a rules directory (DIR/TYPE/NAME/…) and adds one cdb
// record per rule, keyed "TYPE/NAME", as s6-accessrules-cdb-from-fs does.
// A rule directory with neither allow nor deny is left out. warn is told
// about an exec file that may have been truncated.
func Compile(dir string, w *cdb.Writer, warn func(string)) error {
	types, err := rawio.ReadDirNames(dir)
	if err != nil {
		return fmt.Errorf("unable to read directory %s: %w", dir, err)
	}
	for _, typ := range types {
		if strings.HasPrefix(typ, ".") {
			continue
		}
		names, err := rawio.ReadDirNames(dir + "/" + typ)
		if err != nil {
			return fmt.Errorf("unable to read directory %s/%s: %w", dir, typ, err)
		}
		for _, name := range names {
			if strings.HasPrefix(name, ".") {
				continue
			}
			key := typ + "/" + name
			rec, err := compileRule(dir+"/"+key, warn)
			if err != nil {
				return err
			}
			if rec == nil {
				continue
			}
			if err := w.Add([]byte(key), rec); err != nil {
				return err
			}
		}
	}
	return nil
}

func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, os.ErrPermission) {
		return false, nil
	}
	return false, err
}

func compileRule(rule string, warn func(string)) ([]byte, error) {
	allow, err := exists(rule + "/allow")
	if err != nil {
		return nil, err
	}
	if !allow {
		deny, err := exists(rule + "/deny")
		if err != nil || !deny {
			return nil, err
		}
		return Encode(Deny, Params{}), nil
	}
	cs, err := envdir.Read(rule+"/env", envdir.Options{})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	p := Params{Env: encodeEnv(cs)}
	if len(p.Env) > MaxEnv {
		return nil, fmt.Errorf("%s/env: %w (%d bytes, at most %d)", rule, ErrTooBig, len(p.Env), MaxEnv)
	}
	ex, err := rawio.ReadRegular(rule+"/exec", 0, MaxExec)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(ex) == MaxExec && warn != nil {
		warn("possibly truncated file " + rule + "/exec")
	}
	p.Exec = string(ex)
	return Encode(Allow, p), nil
}

// ErrBadKey is a cdb key that cannot name a rule directory.
var ErrBadKey = errors.New("key does not name a rule directory")

func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.IndexByte(key, 0) >= 0 {
		return fmt.Errorf("%q: %w", key, ErrBadKey)
	}
	for _, c := range strings.Split(key, "/") {
		if c == "" || c == "." || c == ".." {
			return fmt.Errorf("%q: %w", key, ErrBadKey)
		}
	}
	return nil
}

// Decompile writes the rules of db as a rules directory at dir, which must
// not exist; on failure the partial tree is removed. Directories get mode
// 02755 and files 0644 as s6-accessrules-fs-from-cdb makes them when the
// caller's umask is 0.
func Decompile(db *cdb.DB, dir string) (err error) {
	if err := os.Mkdir(dir, 0o755|os.ModeSetgid); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	return db.Each(func(k, data []byte) error {
		key := string(k)
		if err := checkKey(key); err != nil {
			return err
		}
		r, p, err := Decode(data)
		if err != nil {
			return fmt.Errorf("rule %s: %w", key, err)
		}
		rule := filepath.Join(dir, key)
		if err := mkdirs(rule); err != nil {
			return err
		}
		switch r {
		case Allow:
			err = os.WriteFile(rule+"/allow", nil, 0o644)
		case Deny:
			err = os.WriteFile(rule+"/deny", nil, 0o644)
		}
		if err != nil {
			return err
		}
		if cs := p.Changes(); len(cs) > 0 {
			if err := mkdirs(rule + "/env"); err != nil {
				return err
			}
			for _, c := range cs {
				if strings.IndexByte(c.Name, '/') >= 0 || c.Name == "." || c.Name == ".." {
					return fmt.Errorf("rule %s: variable name %q: %w", key, c.Name, ErrInvalid)
				}
				content := ""
				if !c.Unset {
					content = c.Value + "\n"
				}
				if err := os.WriteFile(rule+"/env/"+c.Name, []byte(content), 0o644); err != nil {
					return err
				}
			}
		}
		if p.Exec != "" {
			if err := os.WriteFile(rule+"/exec", []byte(p.Exec), 0o644); err != nil {
				return err
			}
		}
		return nil
	})
}

func mkdirs(path string) error {
	if err := os.MkdirAll(path, 0o755|os.ModeSetgid); err != nil {
		return err
	}
	return nil
}
