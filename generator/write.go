package generator

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// Write writes files under dir, skipping those whose content is already on
// disk, and returns the paths it wrote. Each file is written to a temporary
// file and renamed into place, so a failure never leaves half a file. Write
// removes nothing.
func Write(dir string, files []File) ([]string, error) {
	var written []string
	for _, f := range files {
		name := filepath.Join(dir, filepath.FromSlash(f.Path))
		old, err := os.ReadFile(name)
		if err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return written, err
		}
		tmp, err := os.CreateTemp(filepath.Dir(name), ".witgo-*.tmp")
		if err != nil {
			return written, err
		}
		_, err = tmp.Write(f.Content)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), name)
		}
		if err != nil {
			os.Remove(tmp.Name())
			return written, err
		}
		written = append(written, f.Path)
	}
	return written, nil
}

// Check compares files with what is on disk under dir. It returns a
// description of every difference as (-disk +generated) diffs; an empty
// string means dir is up to date.
func Check(dir string, files []File) (string, error) {
	var b strings.Builder
	for _, f := range files {
		name := filepath.Join(dir, filepath.FromSlash(f.Path))
		old, err := os.ReadFile(name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(&b, "%s: missing (witgo generate would create it)\n", name)
		case err != nil:
			return "", err
		case !bytes.Equal(old, f.Content):
			fmt.Fprintf(&b, "%s: differs from what witgo generates (-disk +generated):\n%s", name,
				cmp.Diff(strings.Split(string(old), "\n"), strings.Split(string(f.Content), "\n")))
		}
	}
	return b.String(), nil
}
