package local

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// peakRSS returns the peak resident set size of the kiln process itself
// (VmHWM, not its children), in bytes; 0 when unknown.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "VmHWM:") {
			continue
		}
		fields := strings.Fields(strings.TrimPrefix(line, "VmHWM:"))
		if len(fields) >= 1 {
			kb, err := strconv.ParseInt(fields[0], 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}
