# inpod: see README.md. Every target that needs Docker prepares it first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

K8S_VERSION  ?= $(shell cat $(CURDIR)/K8S_VERSION)
IMAGES       ?= auto
LABELS       ?= !slow
KEEP_CLUSTER ?=
INPOD_PROVIDER ?= kind
PROFILE      ?=
INPOD_CLUSTER ?= inpod
INPOD_CACHE  ?= $(HOME)/.cache/inpod
REPORT_DIR   ?= $(CURDIR)/reports
GINKGO_FLAGS ?=
SUITE_TIMEOUT ?= 45m
RELEASE_BUILD ?= local
VERSION      ?=
TOOLS        := $(INPOD_CACHE)/tools
GINKGO       := $(TOOLS)/ginkgo

export K8S_VERSION IMAGES KEEP_CLUSTER INPOD_CLUSTER INPOD_CACHE REPORT_DIR INPOD_PROVIDER
export INPOD_PROFILE := $(PROFILE)

# prepare_images (a recipe fragment; $(1) = "job" adds the suite image): the image
# set is decided first (IMAGES=auto asks `inpodctl decide` once, before anything is
# built), then only that set is made ready — the offline set built, the published
# one pulled (its Python/Go probes and suite image built from their Dockerfiles) —
# and $$mode holds the decision for the rest of the recipe.
# report_step writes the summary from $(REPORT_DIR)/report.json and ends the
# recipe: the suite's exit code, or 3 when it passed but the verdict is
# INCOMPLETE (specs not run because of the cluster's configuration). Built, not
# go run: go run turns every non-zero exit into 1.
report_step = rrc=0; [ -s $(REPORT_DIR)/report.json ] && { go build -o $(TOOLS)/report ./framework/cmd/report && $(TOOLS)/report -incomplete-exit=3 $(REPORT_DIR) || rrc=$$?; }; \
	  if [ $$rc -eq 0 ] && [ $$rrc -eq 3 ]; then rc=3; fi; exit $$rc

define prepare_images
mode='$(IMAGES)'; if [ "$$mode" = auto ]; then mode=$$(go run ./framework/cmd/inpodctl decide) || exit 1; fi; \
if [ "$$mode" = offline ]; then $(MAKE) --no-print-directory images || exit 1; \
else IMAGES=$$mode go run ./framework/cmd/inpodctl pull $(1) || exit 1; fi
endef

.PHONY: help
help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: docker
docker: ## Make sure a Docker engine answers (installs/starts one as root on Debian).
	@bash scripts/docker-prepare.sh

.PHONY: tools
tools: $(GINKGO) ## Build ginkgo at the version in go.mod (kind is driven through its Go API: no binary).

$(GINKGO): go.mod go.sum
	@mkdir -p $(TOOLS)
	go build -o $(GINKGO) github.com/onsi/ginkgo/v2/ginkgo

.PHONY: images
images: docker ## Build every offline image (node, control plane, probes); cached by inputs.
	@bash scripts/images/build-all.sh

.PHONY: images-published
images-published: docker ## Pull the published set's missing images (Python/Go probes built from their Dockerfiles).
	IMAGES=published go run ./framework/cmd/inpodctl pull

.PHONY: cluster-up
cluster-up: docker tools ## Create (or reuse) the kind cluster and load the probe images; it is kept.
	@$(call prepare_images,); IMAGES=$$mode go run ./framework/cmd/inpodctl up

.PHONY: cluster-down
cluster-down: tools ## Delete the kind cluster.
	go run ./framework/cmd/inpodctl down

.PHONY: e2e
e2e: docker tools ## Cluster up, images, suites (LABELS), reports, cluster down unless KEEP_CLUSTER=1.
	@mkdir -p $(REPORT_DIR)
	@$(call prepare_images,); \
	  rc=0; IMAGES=$$mode $(GINKGO) run --label-filter='$(LABELS)' --timeout=$(SUITE_TIMEOUT) --poll-progress-after=2m \
	  --junit-report=junit.xml --json-report=report.json --output-dir=$(REPORT_DIR) $(GINKGO_FLAGS) ./suites/inpod || rc=$$?; \
	  $(report_step)

.PHONY: job
job: docker tools ## Run the non-slow suite as the in-cluster Job (runner confined to its namespaces); JUnit + results ConfigMap. INTENT=file: verify it instead.
	@mkdir -p $(REPORT_DIR) && rm -f $(REPORT_DIR)/report.json $(REPORT_DIR)/junit.xml
	@mode='$(IMAGES)'; if [ "$(INPOD_PROVIDER)" != kubeconfig ]; then $(call prepare_images,job); fi; \
	  rc=0; IMAGES=$$mode LABELS='$(LABELS)' INTENT='$(INTENT)' METHODS='$(METHODS)' go run ./framework/cmd/inpodctl job || rc=$$?; \
	  $(report_step)

.PHONY: profiles
profiles: docker tools images ## The non-slow suite on a kind cluster of each profile (PROFILES=...) → reports/profiles.md.
	bash scripts/profiles.sh

.PHONY: sonobuoy
sonobuoy: docker tools ## Run the suite as a Sonobuoy plugin (manifests/sonobuoy) under the confined runner; sonobuoy results vs JUnit.
	@if [ "$(INPOD_PROVIDER)" != kubeconfig ] && [ "$(IMAGES)" != published ]; then $(MAKE) --no-print-directory images; fi
	@bash scripts/images/sonobuoy.sh
	@mkdir -p $(REPORT_DIR)
	LABELS='$(LABELS)' go run ./framework/cmd/inpodctl sonobuoy

.PHONY: verify
verify: ## Prove an intent file (INTENT=path, METHODS=curl,go,...) from inside pods against the current cluster.
	@[ -n "$(INTENT)" ] || { echo "make verify: INTENT=path/to/intent.yaml is required" >&2; exit 2; }
	@mkdir -p $(TOOLS) && go build -o $(TOOLS)/inpodctl ./framework/cmd/inpodctl && $(TOOLS)/inpodctl verify --check -f '$(INTENT)' --methods='$(METHODS)'
	@$(MAKE) --no-print-directory docker tools
	@mkdir -p $(REPORT_DIR) && rm -f $(REPORT_DIR)/report.json $(REPORT_DIR)/junit.xml
	@mode='$(IMAGES)'; if [ "$(INPOD_PROVIDER)" != kubeconfig ]; then $(call prepare_images,); fi; \
	  rc=0; IMAGES=$$mode KEEP_CLUSTER=1 GINKGO=$(GINKGO) $(TOOLS)/inpodctl verify -f '$(INTENT)' --methods='$(METHODS)' --report-dir=$(REPORT_DIR) || rc=$$?; \
	  $(report_step)

.PHONY: controllers
controllers: docker tools ## Three published controllers' RBAC (from their Go modules), applied verbatim to the kept cluster: draft, verify, one edit each → reports/controllers.md (CONTROLLERS_ONLY=a,b).
	bash scripts/controllers.sh

.PHONY: manifests
manifests: ## Regenerate manifests/job/workspaces.yaml from framework/run.Workspaces and the guide.
	go run ./framework/cmd/inpodctl manifests > manifests/job/workspaces.yaml

.PHONY: matrix
matrix: docker tools ## Offline set + non-slow suite on the newest v1.37/v1.36/v1.35, one after the other → reports/matrix.md.
	LABELS='$(LABELS)' bash scripts/matrix.sh

.PHONY: release
release: docker ## Publish into REGISTRY=host[:port]/path: inpod's images, inpodctl × 4 platforms + checksums, dist/inpod-job.yaml (images by digest). RELEASE_BUILD=buildx|local.
	@[ "$(RELEASE_BUILD)" = buildx ] || $(MAKE) --no-print-directory images
	REGISTRY='$(REGISTRY)' VERSION='$(VERSION)' RELEASE_BUILD='$(RELEASE_BUILD)' bash scripts/release.sh

.PHONY: rehearsal
rehearsal: docker tools ## Root: a local registry, stand-ins, make release into it, a kind node pulling through it: dist/inpod-job.yaml applied, then make e2e IMAGES=published (REHEARSAL_QUICK=1: the Job only, curl specs; REHEARSAL_CRONJOB=1: dist/inpod-cronjob.yaml on a schedule, drift found and reverted).
	bash scripts/published-rehearsal.sh

.PHONY: selftest
selftest: cluster-up ## Baseline, then each fault of framework/faults.Registry: every spec with its guard labels red, the rest green → reports/selftest.md.
	@mkdir -p $(REPORT_DIR)
	@mode='$(IMAGES)'; if [ "$$mode" = auto ]; then mode=$$(go run ./framework/cmd/inpodctl decide) || exit 1; fi; \
	  INPOD_SELFTEST_KUBECONFIG=$(INPOD_CACHE)/kind-$(INPOD_CLUSTER).kubeconfig GINKGO=$(GINKGO) LABELS='$(LABELS)' IMAGES=$$mode \
	  go run ./framework/cmd/selftest

.PHONY: bench
bench: cluster-up ## Non-slow suite (serial, 4 processes) beside upstream e2e.test's [sig-auth] specs, median of 3, one cluster → reports/bench.md (BENCH_BASELINE=DIR: before/after).
	bash scripts/bench.sh

.PHONY: soak
soak: cluster-up ## 10 consecutive non-slow runs on one cluster; all must pass and leave nothing behind.
	bash scripts/soak.sh

.PHONY: interrupt-test
interrupt-test: cluster-up ## SIGINT, SIGKILL and double SIGINT the suite; after its cleanup or the sweep nothing labelled may remain.
	bash scripts/interrupt-test.sh

.PHONY: lint
lint: ## go vet, gofmt, golangci-lint, shellcheck, actionlint.
	@mkdir -p $(TOOLS)
	@[ -x $(TOOLS)/golangci-lint ] || GOBIN=$(TOOLS) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
	@[ -x $(TOOLS)/actionlint ] || GOBIN=$(TOOLS) go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
	@command -v shellcheck >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; } || \
	  { echo "lint: shellcheck is missing (apt-get install shellcheck)"; exit 1; }
	go vet ./...
	$(TOOLS)/golangci-lint run ./...
	shellcheck -x scripts/*.sh scripts/images/*.sh .ci/run manifests/images/node/files/usr/local/bin/entrypoint manifests/images/node/files/kind/bin/*.sh manifests/images/probe-curl/entrypoint.sh
	$(TOOLS)/actionlint .github/workflows/*.yaml

.PHONY: unit
unit: ## Unit tests of the framework (no cluster).
	go test . ./framework/... ./manifests/...

.PHONY: vet
vet: ## go vet.
	go vet ./...

.PHONY: test
test: lint unit ## What CI runs: lint (incl. vet), unit tests, e2e with the offline images, then the quick rehearsal of the published path (root).
	$(MAKE) --no-print-directory e2e IMAGES=offline
	REHEARSAL_QUICK=1 REHEARSAL_CRONJOB=1 $(MAKE) --no-print-directory rehearsal

.PHONY: clean
clean: ## Delete everything labelled by inpod runs (RUN_ID=: one run's only), the kind cluster and the reports (caches stay).
	go run ./framework/cmd/inpodctl cleanup $(if $(RUN_ID),--run-id $(RUN_ID))
	-go run ./framework/cmd/inpodctl down
	find $(REPORT_DIR) -mindepth 1 ! -name README.md -delete
