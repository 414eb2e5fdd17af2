package incluster

import (
	"archive/tar"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"
)

// countJUnit counts a JUnit file's test cases (Ginkgo's own JUnit types) the
// way Sonobuoy's results do: skipped if it has <skipped>, else failed with
// <failure> or <error>, else passed.
func countJUnit(data []byte) (map[string]int, error) {
	var s reporters.JUnitTestSuites
	if err := xml.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("the suite's JUnit: %w", err)
	}
	n := map[string]int{}
	for _, suite := range s.TestSuites {
		for _, c := range suite.TestCases {
			n["Total"]++
			switch {
			case c.Skipped != nil:
				n["Skipped"]++
			case c.Failure != nil || c.Error != nil:
				n["Failed"]++
			default:
				n["Passed"]++
			}
		}
	}
	return n, nil
}

// junitFromTarball is the inpod plugin's JUnit in a `sonobuoy retrieve` tarball.
func junitFromTarball(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s holds no plugins/inpod/results/**/*.xml", path)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if strings.HasPrefix(h.Name, "plugins/inpod/results/") && strings.HasSuffix(h.Name, ".xml") {
			return io.ReadAll(tr)
		}
	}
}
