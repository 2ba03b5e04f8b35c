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
// files served from the download store are not downloads. Downloads running
// at the same time count once (buildpack.Report.Fetched).
type downloader struct {
	f      *fetch.Fetcher
	report *buildpack.Report
}

// Get is fetch.Fetcher.Get, reported.
func (d downloader) Get(ctx context.Context, url string, sum fetch.Checksum) (fetch.Result, error) {
	start := time.Now()
	res, err := d.f.Get(ctx, url, sum)
	if err != nil || !res.Cached {
		d.report.Download(url, err)
		d.report.Fetched(start, time.Now())
	}
	return res, err
}

// Unpack is fetch.Fetcher.Unpack, reported.
func (d downloader) Unpack(ctx context.Context, url string, sum fetch.Checksum, dest string, strip int) (fetch.Result, error) {
	return d.UnpackFiltered(ctx, url, sum, dest, strip, nil)
}

// UnpackFiltered is fetch.Fetcher.UnpackFiltered, reported. Only the
// transfer counts as download time: the extraction that goes on after the
// last byte arrived is kiln's own work.
func (d downloader) UnpackFiltered(ctx context.Context, url string, sum fetch.Checksum, dest string, strip int, keep fetch.Filter) (fetch.Result, error) {
	start := time.Now()
	res, err := d.f.UnpackFiltered(ctx, url, sum, dest, strip, keep)
	switch {
	case err != nil && res.Transfer == 0:
		d.report.Download(url, err)
		d.report.Fetched(start, time.Now())
	case !res.Cached:
		d.report.Download(url, err)
		d.report.Fetched(start, start.Add(res.Transfer))
	}
	return res, err
}

// Text is fetch.Fetcher.Text, reported.
func (d downloader) Text(ctx context.Context, url string, limit int64) ([]byte, error) {
	start := time.Now()
	b, err := d.f.Text(ctx, url, limit)
	d.report.Download(url, err)
	d.report.Fetched(start, time.Now())
	return b, err
}
