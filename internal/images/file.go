package images

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FileStore keeps images as files in one folder, named as served.
type FileStore struct {
	dir     string
	baseURL string // e.g. https://backend.example/images/
}

// NewFileStore uses dir (created with mode 0700 when missing); baseURL is
// the public URL prefix under which names are served.
func NewFileStore(dir, baseURL string) (*FileStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return &FileStore{dir: dir, baseURL: baseURL}, nil
}

// Put writes the image atomically (temporary file, then rename). The same
// bytes for the same owner land on the same name; storing them again
// refreshes the file's time.
func (f *FileStore) Put(ctx context.Context, owner, contentType string, data []byte) (string, error) {
	name, err := check(owner, contentType, data)
	if err != nil {
		return "", err
	}
	path := filepath.Join(f.dir, name)
	if _, err := os.Stat(path); err == nil {
		now := time.Now()
		if err := os.Chtimes(path, now, now); err != nil {
			return "", err
		}
		return f.baseURL + name, nil
	}
	tmp, err := os.CreateTemp(f.dir, ".upload-*")
	if err != nil {
		return "", err
	}
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return "", werr
	}
	return f.baseURL + name, nil
}

// Get reads an image by name.
func (f *FileStore) Get(ctx context.Context, name string) (string, []byte, error) {
	_, ct, ok := ParseName(name)
	if !ok {
		return "", nil, ErrNotFound
	}
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, ErrNotFound
	}
	return ct, b, err
}

// List names an owner's images with their file times.
func (f *FileStore) List(ctx context.Context, owner string) ([]Info, error) {
	if _, _, ok := ParseOwner(owner); !ok {
		return nil, ErrOwner
	}
	// The owner ends in digits and names continue with "-", so "set-1-*"
	// never matches set-12's images.
	matches, err := filepath.Glob(filepath.Join(f.dir, owner+"-*"))
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, m := range matches {
		name := filepath.Base(m)
		if o, _, ok := ParseName(name); !ok || o != owner {
			continue
		}
		st, err := os.Stat(m)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Info{Name: name, Created: st.ModTime()})
	}
	return out, nil
}

// Delete removes one image.
func (f *FileStore) Delete(ctx context.Context, name string) error {
	if _, _, ok := ParseName(name); !ok || strings.ContainsAny(name, `/\`) {
		return nil
	}
	err := os.Remove(filepath.Join(f.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// DeleteOwner removes every image of an owner.
func (f *FileStore) DeleteOwner(ctx context.Context, owner string) error {
	list, err := f.List(ctx, owner)
	if err != nil {
		return err
	}
	var errs []error
	for _, i := range list {
		errs = append(errs, f.Delete(ctx, i.Name))
	}
	return errors.Join(errs...)
}
