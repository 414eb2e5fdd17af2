package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Variable is one environment variable the project knows. The suite's settings
// (Flag set) come from Config; the others are read by inpodctl, the report and
// self-test commands, or only by make and the scripts (ReadBy "make").
// docs/configuration.md documents each once (a unit test holds them equal) and
// `inpodctl env` prints them with their values.
type Variable struct {
	Name, Default, Usage string
	Flag                 string // the suite's -inpod.<Flag>, "" for the others
	ReadBy               string // suite, inpodctl, report, selftest, make
}

// others are the variables outside Config's settings.
var others = []Variable{
	{"CURL_IMAGE", "by image set", "the curl method's probe image (also PYTHON_IMAGE, GO_IMAGE, KUBECTL_IMAGE)", "image-curl", "suite"},
	{"PYTHON_IMAGE", "by image set", "the python method's probe image", "image-python", "suite"},
	{"GO_IMAGE", "by image set", "the go method's probe image", "image-go", "suite"},
	{"KUBECTL_IMAGE", "by image set", "the kubectl method's probe image", "image-kubectl", "suite"},
	{"INPOD_CACHE", "~/.cache/inpod", "built binaries, tools, build keys, kind kubeconfigs (outside the clone)", "", "inpodctl"},
	{"SUITE_IMAGE", "inpod/suite:<set>", "the suite image make job runs", "", "inpodctl"},
	{"LABELS", "!slow", "Ginkgo label filter", "", "inpodctl"},
	{"JOB_TIMEOUT", "45m", "bound on make job / make sonobuoy", "", "inpodctl"},
	{"JOB_REMOVE_PERMISSION", "", "demonstration: remove one permission from the runner; preflight names it", "", "inpodctl"},
	{"INTENT", "", "the intent file for make verify or make job", "", "inpodctl"},
	{"METHODS", "all four", "clients to use, comma-separated", "", "inpodctl"},
	{"SONOBUOY", "$INPOD_CACHE/tools/sonobuoy", "the sonobuoy binary make sonobuoy runs", "", "inpodctl"},
	{"SONOBUOY_IMAGE", "inpod/sonobuoy:v0.57.5", "Sonobuoy's aggregator image", "", "inpodctl"},
	{"GINKGO", "ginkgo", "the ginkgo binary verify and the self-test run", "", "inpodctl"},
	{"INPOD_INTENT", "", "set by inpodctl verify for the verify suite: the intent file", "", "suite"},
	{"INPOD_METHODS", "", "set by inpodctl verify for the verify suite: the clients", "", "suite"},
	{"INPOD_HISTORY_KEEP", "10", "in-cluster runs: history entries (ConfigMaps inpod-history-*) kept in inpod-system", "", "report"},
	{"SONOBUOY_RESULTS_DIR", "", "set by Sonobuoy in its plugin: where the results go", "", "report"},
	{"GITHUB_STEP_SUMMARY", "", "set by GitHub Actions: the summary's Markdown is appended to it", "", "report"},
	{"INPOD_SELFTEST_KUBECONFIG", "", "set by make selftest: the kind cluster's kubeconfig", "", "selftest"},
	{"SELFTEST_ONLY", "every fault", "make selftest: these faults, comma-separated", "", "selftest"},
	{"INPOD_SELFTEST_BREAK_BEFOREALL", "", "1 adds the test-only fault break-beforeall", "", "suite"},
	{"UPDATE_GOLDEN", "", "go test: 1 rewrites the golden files under testdata", "", "tests"},
	{"PROFILE", "", "make: the cluster profile (passed on as INPOD_PROFILE)", "", "make"},
	{"PROFILES", "every profile", "make profiles: which, space-separated", "", "make"},
	{"GINKGO_FLAGS", "", "make e2e: extra ginkgo run flags", "", "make"},
	{"SUITE_TIMEOUT", "45m", "make e2e: Ginkgo's suite timeout", "", "make"},
	{"RUN_ID", "", "make clean: delete only this run's objects", "", "make"},
	{"SELFTEST_PROCS", "1", "make selftest: Ginkgo processes per suite run", "", "selftest"},
	{"SOAK_RUNS", "10", "make soak: consecutive runs", "", "make"},
	{"INTERRUPTS", "3", "make interrupt-test: SIGINTs at random points", "", "make"},
	{"BENCH_RUNS", "3", "make bench: runs of each mode", "", "make"},
	{"BENCH_MODES", "serial parallel upstream", "make bench: which modes", "", "make"},
	{"BENCH_UPSTREAM", "1", "make bench: 0 leaves upstream's e2e.test out", "", "make"},
	{"BENCH_BASELINE", "", "make bench: another checkout benched beside this one", "", "make"},
	{"MATRIX_VERSIONS", "newest patch of each minor", "make matrix: versions, space-separated", "", "make"},
	{"MATRIX_MINORS", "1.37 1.36 1.35", "make matrix: minors to find the newest patch of", "", "make"},
	{"REGISTRY", "", "make release: host[:port]/path to publish into", "", "make"},
	{"VERSION", "", "make release: the release version", "", "make"},
	{"RELEASE_BUILD", "local", "make release: how the Python probe is built, buildx or local", "", "make"},
	{"PLATFORMS", "linux/amd64,linux/arm64", "make release: image platforms", "", "make"},
	{"SCHEDULE", "17 */6 * * *", "make release: the cron schedule of inpod-cronjob.yaml", "", "make"},
	{"GO_BASE", "distroless static by digest", "make release: the Go images' base (the rehearsal's stand-in)", "", "make"},
	{"REHEARSAL_PORT", "5055", "make rehearsal: the local registry's port", "", "make"},
	{"REHEARSAL_QUICK", "", "make rehearsal: 1 = the Job only, curl specs", "", "make"},
	{"REHEARSAL_CRONJOB", "", "make rehearsal: 1 = also the CronJob asset on a schedule, drift found and reverted", "", "make"},
}

// Variables are every variable the project reads, the suite's settings first.
func Variables() []Variable {
	var vs []Variable
	for _, s := range (&Config{}).settings() {
		vs = append(vs, Variable{Name: s.env, Default: s.def, Usage: s.usage, Flag: s.flag, ReadBy: "suite"})
	}
	return append(vs, others...)
}

// Env is the value of a variable Variables lists; asking for one it does not
// list is a programming error (a unit test reads every call).
func Env(name string) string {
	if !slices.ContainsFunc(Variables(), func(v Variable) bool { return v.Name == name }) {
		panic(fmt.Sprintf("config: %s is not a variable config.Variables documents", name))
	}
	return os.Getenv(name)
}

// EnvOr is Env, or def when it is empty.
func EnvOr(name, def string) string {
	if v := Env(name); v != "" {
		return v
	}
	return def
}

// CacheDir is where the project keeps built binaries, tools and the kind
// clusters' kubeconfigs: $INPOD_CACHE, else ~/.cache/inpod ("" when there is
// no home to put it under).
func CacheDir() string {
	if c := Env("INPOD_CACHE"); c != "" {
		return c
	}
	if base, err := os.UserCacheDir(); err == nil {
		return filepath.Join(base, "inpod")
	}
	return ""
}

// EnvTable is the variables with their current values, for inpodctl env.
func EnvTable() string {
	var b strings.Builder
	for _, v := range Variables() {
		val, set := os.LookupEnv(v.Name)
		if !set {
			val = "(unset; default " + quoteDefault(v.Default) + ")"
		}
		fmt.Fprintf(&b, "%s=%s\t# %s [%s]\n", v.Name, val, v.Usage, v.ReadBy)
	}
	return b.String()
}
