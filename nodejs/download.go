package nodejs

import (
	"context"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
)

// downloader is the build's fetch.Fetcher with reporting: every request that
// reaches the network is recorded in the build Report (its URL, and the time
// spent) so the summary can tell downloads from kiln's own work. Verified
// files served from the download store are not downloads.
type downloader struct {
	f      *fetch.Fetcher
	report *buildpack.Report
}

// Get is fetch.Fetcher.Get, reported.
func (d downloader) Get(ctx context.Context, url string, sum fetch.Checksum) (fetch.Result, error) {
	start := time.Now()
	res, err := d.f.Get(ctx, url, sum)
	if err != nil || !res.Cached {
		d.report.Download(url)
		d.report.Fetching(time.Since(start))
	}
	return res, err
}

// Text is fetch.Fetcher.Text, reported.
func (d downloader) Text(ctx context.Context, url string, limit int64) ([]byte, error) {
	start := time.Now()
	b, err := d.f.Text(ctx, url, limit)
	d.report.Download(url)
	d.report.Fetching(time.Since(start))
	return b, err
}
