package buildpack

import (
	"sort"
	"sync"
	"time"
)

// Report collects facts about a running build for the end-of-build summary:
// cache hits and misses, downloads, and time spent per step. A nil *Report is
// valid and records nothing, so buildpacks can call it unconditionally.
type Report struct {
	mu        sync.Mutex
	hits      []string
	misses    []string
	downloads []string
	steps     []StepTiming
	programs  time.Duration
	fetching  time.Duration
}

// StepTiming is the wall time of one plan step.
type StepTiming struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"duration_ns"`
}

// CacheHit records that a cached item (a runtime, node_modules, ...) was reused.
func (r *Report) CacheHit(item string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hits = append(r.hits, item)
}

// CacheMiss records that a cacheable item had to be produced from scratch.
func (r *Report) CacheMiss(item string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.misses = append(r.misses, item)
}

// Download records a network download.
func (r *Report) Download(url string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.downloads = append(r.downloads, url)
}

// Step records how long a plan step took.
func (r *Report) Step(name string, d time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = append(r.steps, StepTiming{Name: name, Duration: d})
}

// Program adds the wall time of one program run by the build.
func (r *Report) Program(d time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.programs += d
}

// Fetching adds time spent downloading artifacts.
func (r *Report) Fetching(d time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fetching += d
}

// Summary is a snapshot of a Report.
type Summary struct {
	CacheHits   []string     `json:"cache_hits"`
	CacheMisses []string     `json:"cache_misses"`
	Downloads   []string     `json:"downloads"`
	Steps       []StepTiming `json:"steps"`
	// ProgramTime is the wall time spent in programs the build ran.
	ProgramTime time.Duration `json:"program_time_ns"`
	// FetchTime is the wall time spent downloading.
	FetchTime time.Duration `json:"fetch_time_ns"`
}

// Summary returns a copy of what was recorded, with hits, misses and
// downloads sorted.
func (r *Report) Summary() Summary {
	s := Summary{CacheHits: []string{}, CacheMisses: []string{}, Downloads: []string{}, Steps: []StepTiming{}}
	if r == nil {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s.CacheHits = append(s.CacheHits, r.hits...)
	s.CacheMisses = append(s.CacheMisses, r.misses...)
	s.Downloads = append(s.Downloads, r.downloads...)
	s.Steps = append(s.Steps, r.steps...)
	s.ProgramTime = r.programs
	s.FetchTime = r.fetching
	sort.Strings(s.CacheHits)
	sort.Strings(s.CacheMisses)
	sort.Strings(s.Downloads)
	return s
}
