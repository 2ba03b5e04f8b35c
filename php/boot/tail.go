package boot

import (
	"bytes"
	"context"
	"io"
	"os"
	"time"
)

// tailFile is a log streamed by the boot command.
type tailFile struct {
	// Path is the file; it may appear later.
	Path string
	// FromEnd skips what the file held when streaming began.
	FromEnd bool
}

// tailFiles copies complete lines appended to files to w until ctx ends,
// then drains what is left. Files may not exist yet, and may be truncated
// or replaced (log rotation): streaming starts over from their beginning.
func tailFiles(ctx context.Context, w io.Writer, files []tailFile) {
	ts := make([]*tailer, len(files))
	for i, f := range files {
		ts[i] = &tailer{path: f.Path}
		if fi, err := os.Stat(f.Path); err == nil && f.FromEnd {
			ts[i].offset = fi.Size()
		}
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, t := range ts {
			t.poll(w, false)
		}
		select {
		case <-ctx.Done():
			for _, t := range ts {
				t.poll(w, true)
			}
			return
		case <-tick.C:
		}
	}
}

type tailer struct {
	path    string
	offset  int64
	partial []byte
}

// poll copies new complete lines; final also flushes a trailing partial one.
func (t *tailer) poll(w io.Writer, final bool) {
	f, err := os.Open(t.path)
	if err != nil {
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < t.offset {
		t.offset, t.partial = 0, nil
	}
	if _, err := f.Seek(t.offset, io.SeekStart); err != nil {
		return
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return
	}
	t.offset += int64(len(data))
	buf := append(t.partial, data...)
	i := bytes.LastIndexByte(buf, '\n')
	if i >= 0 {
		_, _ = w.Write(buf[:i+1])
		buf = buf[i+1:]
	}
	t.partial = append([]byte(nil), buf...)
	if final && len(t.partial) > 0 {
		_, _ = w.Write(append(t.partial, '\n'))
		t.partial = nil
	}
}
