package fetch

import (
	"io"
	"time"
)

// Progress receives how far a download of an archive is: done bytes of
// total (-1 when the server did not say), at most every ProgressEvery and
// once more when the body has been read (final). It is for people
// watching a terminal; logs get nothing from it.
type Progress func(url string, done, total int64, final bool)

// ProgressEvery is how often a download reports its progress.
const ProgressEvery = 200 * time.Millisecond

// progressWriter counts what goes through it and reports it.
type progressWriter struct {
	w      io.Writer
	report Progress
	url    string
	total  int64
	done   int64
	last   time.Time
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.done += int64(n)
	if now := time.Now(); now.Sub(p.last) >= ProgressEvery {
		p.last = now
		p.report(p.url, p.done, p.total, false)
	}
	return n, err
}
