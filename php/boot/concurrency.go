package boot

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
)

// containerRAM maps the platform's CONTAINER_SIZE to the container's memory.
func containerRAM(size string) (int64, bool) {
	mb := map[string]int64{"S": 256, "M": 512, "L": 1024, "XL": 2048, "2XL": 4096, "3XL": 8192}[strings.ToUpper(strings.TrimSpace(size))]
	return mb << 20, mb != 0
}

// defaultRAM is assumed when nothing says how much memory there is.
const defaultRAM = 512 << 20

// concurrency is PHP-FPM's pm.max_children and why.
type concurrency struct {
	Children int
	Reason   string
}

// Line is the one line the boot command prints about it.
func (c concurrency) Line() string {
	return fmt.Sprintf("PHP-FPM runs %d processes: %s", c.Children, c.Reason)
}

// chooseConcurrency applies WEB_CONCURRENCY, or sizes PHP-FPM from the
// memory: max(3, floor(RAM / memory_limit) + 2).
func chooseConcurrency(env buildpack.Env, lim memoryLimit, cgroupRoot string) (concurrency, error) {
	if v := strings.TrimSpace(env.Get("WEB_CONCURRENCY")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return concurrency{}, &buildpack.UserError{
				Msg:  fmt.Sprintf("WEB_CONCURRENCY=%q is not a number of PHP-FPM processes", v),
				Hint: "Set it to a whole number of at least 1, or unset it to let kiln size PHP-FPM from the memory."}
		}
		return concurrency{Children: n, Reason: fmt.Sprintf("WEB_CONCURRENCY=%d", n)}, nil
	}
	ram, ramWhy := detectRAM(env, cgroupRoot)
	limit := fmt.Sprintf("memory_limit %s from %s", lim.Text, lim.Source)
	if lim.Bytes <= 0 {
		return concurrency{Children: 3, Reason: fmt.Sprintf("%s; %s is unlimited, so the minimum of 3", ramWhy, limit)}, nil
	}
	n := int(ram/lim.Bytes) + 2
	why := fmt.Sprintf("%s, %s: floor(%s / %s) + 2", ramWhy, limit, formatBytes(ram), lim.Text)
	if n < 3 {
		n = 3
		why += ", raised to the minimum of 3"
	}
	return concurrency{Children: n, Reason: why}, nil
}

// detectRAM reads CONTAINER_SIZE, else the cgroup memory limit, else
// assumes 512M. A CONTAINER_SIZE kiln does not know is said in the reason.
func detectRAM(env buildpack.Env, cgroupRoot string) (int64, string) {
	size := strings.TrimSpace(env.Get("CONTAINER_SIZE"))
	if ram, ok := containerRAM(size); ok {
		return ram, fmt.Sprintf("%s of RAM for CONTAINER_SIZE=%s", formatBytes(ram), strings.ToUpper(size))
	}
	unset := "no CONTAINER_SIZE"
	if size != "" {
		unset = fmt.Sprintf("CONTAINER_SIZE=%q is not a size kiln knows: S, M, L, XL, 2XL or 3XL", size)
	}
	if ram, ok := cgroupLimit(cgroupRoot); ok {
		return ram, fmt.Sprintf("%s of RAM from the cgroup memory limit (%s)", formatBytes(ram), unset)
	}
	return defaultRAM, fmt.Sprintf("%s of RAM assumed (%s, no cgroup limit)", formatBytes(defaultRAM), unset)
}

// cgroupLimit reads the memory limit of cgroup v2, then v1.
func cgroupLimit(root string) (int64, bool) {
	for _, f := range []string{"memory.max", "memory/memory.limit_in_bytes"} {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
		// v1 reports "no limit" as a number close to 2^63.
		if err != nil || v <= 0 || v >= 1<<50 {
			continue
		}
		return v, true
	}
	return 0, false
}
