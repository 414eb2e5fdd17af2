package provider

import (
	"fmt"
	"strings"

	kindlog "sigs.k8s.io/kind/pkg/log"
)

// kindLogger passes kind's user-facing lines (warnings, errors, V(0) status) to
// the run's log; kind's debug levels are dropped.
type kindLogger struct{ log func(string, ...any) }

func (l kindLogger) Warn(m string)                { l.log("kind: %s", m) }
func (l kindLogger) Warnf(f string, args ...any)  { l.Warn(fmt.Sprintf(f, args...)) }
func (l kindLogger) Error(m string)               { l.log("kind: error: %s", m) }
func (l kindLogger) Errorf(f string, args ...any) { l.Error(fmt.Sprintf(f, args...)) }
func (l kindLogger) V(v kindlog.Level) kindlog.InfoLogger {
	if v > 0 {
		return kindlog.NoopInfoLogger{}
	}
	return kindInfo(l)
}

type kindInfo kindLogger

func (i kindInfo) Info(m string)               { i.log("kind: %s", strings.TrimSpace(m)) }
func (i kindInfo) Infof(f string, args ...any) { i.Info(fmt.Sprintf(f, args...)) }
func (i kindInfo) Enabled() bool               { return true }
