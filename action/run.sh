#!/usr/bin/env bash
# The logic of the Plumbline GitHub Action (action.yml only passes inputs in and calls this), kept
# here so that scripts/test-action can run it outside GitHub. Two phases:
#
#   run.sh install   find Java 17+, get the agent (a pinned release jar or a build of this checkout)
#   run.sh trace     run the build under the tracer, sign, verify, write the job summary, annotate
#
# Inputs come as PLUMBLINE_INPUT_* environment variables (never interpolated into shell code), the
# runner's files as GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, GITHUB_WORKSPACE. Nothing here
# uses sudo or systemd, so it also works in `container:` jobs.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
runner_temp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
workspace=${GITHUB_WORKSPACE:-$PWD}
out_dir="$runner_temp/plumbline"

error() { echo "::error title=Plumbline::$*"; }
notice() { echo "::notice title=Plumbline::$*"; }
# Annotation text: GitHub's workflow-command escaping for data and properties.
escape_data() { local s=${1//'%'/%25}; s=${s//$'\r'/%0D}; s=${s//$'\n'/%0A}; printf '%s' "$s"; }
set_output() {
  local name=$1 value=$2
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s<<PLUMBLINE_EOF_%s\n%s\nPLUMBLINE_EOF_%s\n' "$name" "$$" "$value" "$$" >>"$GITHUB_OUTPUT"
  else
    echo "output $name=$value"
  fi
}
# Splits a newline/space/comma separated input into words, one per line, dropping # comments.
words() { printf '%s\n' "${1:-}" | sed 's/#.*//' | tr ', \t' '\n\n\n' | sed '/^$/d'; }

# ------------------------------------------------------------------------------------------ install

java_major() {
  local v
  v=$("$1" -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')
  case "$v" in 1.*) v=${v#1.} ;; esac
  echo "${v%%[.+-]*}"
}

find_java() {
  local candidates=() c major
  for var in JAVA_HOME_17_X64 JAVA_HOME_17_ARM64 JAVA_HOME_17_arm64 JAVA_HOME_21_X64 JAVA_HOME_21_ARM64 JAVA_HOME_21_arm64 JAVA_HOME; do
    [ -n "${!var:-}" ] && candidates+=("${!var}/bin/java")
  done
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for c in "${candidates[@]}"; do
    [ -x "$c" ] || continue
    major=$(java_major "$c")
    if [ -n "$major" ] && [ "$major" -ge 17 ] 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else openssl dgst -sha256 -r "$1" | cut -d' ' -f1
  fi
}

fetch_url() {
  if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then wget -q -O "$2" "$1"
  else error "neither curl nor wget is installed: cannot download $1"; return 1
  fi
}

# Both installers set $jar.
# A release named by `version` comes from the manifest (VERSION URL SHA256 per line), pinned by sha256.
install_release() {
  local version=$1 manifest=${PLUMBLINE_RELEASES_MANIFEST:-$here/releases.txt} url sha got dest
  read -r url sha < <(awk -v v="$version" '$1 == v { print $2, $3; exit }' "$manifest" 2>/dev/null) || true
  if [ -z "${url:-}" ] || [ -z "${sha:-}" ]; then
    local known
    known=$(awk '!/^#/ && NF >= 3 { printf "%s%s", sep, $1; sep = ", " }' "$manifest" 2>/dev/null)
    error "version '$version' is not a known release (known: ${known:-none yet}); use version: source to build the agent from the action's checkout"
    return 1
  fi
  dest="${RUNNER_TOOL_CACHE:-$runner_temp}/plumbline/$version/plumbline.jar"
  if [ -f "$dest" ] && [ "$(sha256_of "$dest")" = "$sha" ]; then
    jar=$dest; return 0
  fi
  mkdir -p "$(dirname "$dest")"
  fetch_url "$url" "$dest.part" || { error "could not download plumbline $version from $url"; rm -f "$dest.part"; return 1; }
  got=$(sha256_of "$dest.part")
  if [ "$got" != "$sha" ]; then
    rm -f "$dest.part"
    error "plumbline $version from $url has sha256 $got, but the manifest pins $sha: refusing to run it"
    return 1
  fi
  mv "$dest.part" "$dest"
  jar=$dest
}

# Built from the action's own checkout, so a workflow pinned to a commit runs exactly that code.
install_source() {
  local java=$1
  jar="$repo/agent/target/plumbline.jar"
  if [ ! -f "$jar" ] || [ -n "$(find "$repo/agent/src/main" "$repo/agent/pom.xml" "$repo/pom.xml" -newer "$jar" -type f -print -quit 2>/dev/null)" ]; then
    if ! command -v mvn >/dev/null 2>&1; then
      error "building the agent from source needs Maven (mvn), which is not installed here; install it, or set 'version' to a release"
      return 1
    fi
    echo "Plumbline: building the agent from $(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo 'the action checkout')" >&2
    (cd "$repo" && JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$java")")") mvn -B -q -DskipTests package) >&2 \
      || { error "the agent did not build (mvn -B -q -DskipTests package in $repo)"; return 1; }
  fi
}

cmd_install() {
  local java version=${PLUMBLINE_INPUT_VERSION:-source} jar
  if ! java=$(find_java); then
    error "plumbline needs Java 17 or newer and found none (looked at JAVA_HOME_17_X64, JAVA_HOME_21_X64, JAVA_HOME and java on PATH); add actions/setup-java with java-version: 17 before this step, or use a container image with a JDK"
    return 1
  fi
  case "$version" in
    ''|source) install_source "$java" || return 1 ;;
    *) install_release "$version" || return 1 ;;
  esac
  echo "Plumbline: agent $jar, Java $("$java" -version 2>&1 | head -1)"
  set_output java "$java"
  set_output jar "$jar"
}

# ------------------------------------------------------------------------------------------ trace

# The launcher of the action's checkout when there is one (it picks JVM flags for a fast start and
# keeps a class-data archive), else the JVM with the same flags.
plumbline() {
  if [ -x "$repo/scripts/plumbline" ]; then
    PLUMBLINE_JAVA=$PLUMBLINE_JAVA PLUMBLINE_JAR=$PLUMBLINE_JAR "$repo/scripts/plumbline" "$@"
  else
    "$PLUMBLINE_JAVA" -XX:+UseSerialGC -XX:-UsePerfData -jar "$PLUMBLINE_JAR" "$@"
  fi
}

# Annotations from the record: blocked egress and an incomplete trace are errors, writes to tracked
# sources and (audit mode with an allowlist) destinations block mode would refuse (`wouldBlock`) are
# warnings. Records from agents before `wouldBlock` fall back to "audited while an allowlist was given".
annotate() {
  local record=$1 egress=$2 has_allowlist=$3 prefix=$4
  if command -v jq >/dev/null 2>&1 && [ -z "${PLUMBLINE_NO_JQ:-}" ]; then
    jq -r --arg egress "$egress" --argjson allowlist "$has_allowlist" --arg prefix "$prefix" '
      def dest: (if .hostname then .hostname else .address // "?" end)
                + (if .port then ":" + (.port | tostring) else "" end);
      def esc: gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A");
      def prop: esc | gsub(":"; "%3A") | gsub(","; "%2C");
      (if (.completeness.complete // false) | not then
         "::error title=Plumbline: incomplete trace::The record is incomplete: "
         + ((.completeness.reasons // ["no reason given"]) | join("; ") | esc)
       else empty end),
      (.network // [] | .[] | select(.decision == "blocked") |
         "::error title=Plumbline: egress blocked::" + ((.protocol // "?") + " " + dest + " from "
         + ((.processes // []) | join(", ")) | esc)),
      (.network // [] | .[] | select(.wouldBlock == true or (.wouldBlock == null and .decision == "audited" and $allowlist and $egress == "audit")) |
         "::warning title=Plumbline: egress outside the allowlist::" + ((.protocol // "?") + " " + dest
         + " from " + ((.processes // []) | join(", ")) + " (would be blocked with egress-policy: block)" | esc)),
      (.files // [] | .[] | select(.tracked) |
         "::warning file=" + ($prefix + .path | prop) + ",title=Plumbline: source file modified during the build::"
         + (((.operations // []) | join(", ")) + " by " + ((.processes // []) | join(", ")) | esc))
    ' "$record"
  else
    "$PLUMBLINE_JAVA" -cp "$PLUMBLINE_JAR" "$here/RecordTool.java" annotations "$record" "$egress" "$has_allowlist" "$prefix"
  fi
}

summary_markdown() {
  local record=$1 verdict=$2
  rm -f "$out_dir/summary.md"
  if plumbline report --record "$record" --markdown "$out_dir/summary.md" --html "$out_dir/report.html" 2>"$out_dir/report.err" \
      && [ -s "$out_dir/summary.md" ]; then
    # GitHub drops a step summary over 1 MiB whole: keep it under, and point at the full report.
    if [ "$(wc -c <"$out_dir/summary.md")" -gt 900000 ]; then
      head -c 900000 "$out_dir/summary.md" | sed '$d'
      echo
      echo "_(summary truncated: the full report is the HTML file at the action's report-path output)_"
    else
      cat "$out_dir/summary.md"
    fi
  else
    # An agent without a report command: a plain table from the record.
    "$PLUMBLINE_JAVA" -cp "$PLUMBLINE_JAR" "$here/RecordTool.java" summary "$record"
  fi
  if [ -s "$out_dir/policy.md" ]; then
    echo
    cat "$out_dir/policy.md"
  fi
  echo
  echo "**Plumbline verdict:** \`$verdict\`"
}

# The public half of the signing key, for verifying the bundle right away.
public_key_for() {
  local key=$1 pub
  for pub in "${key%.*}.pub" "$key.pub" "$(dirname "$key")/signing.pub"; do
    [ -f "$pub" ] && { echo "$pub"; return 0; }
  done
  if [ -f "$key" ] && command -v openssl >/dev/null 2>&1 && openssl pkey -in "$key" -pubout -out "$out_dir/signing.pub" 2>/dev/null; then
    echo "$out_dir/signing.pub"; return 0
  fi
  return 1
}

# Verifies the bundle as a downstream consumer would, against every subject file; prints the
# verdict (verified, rejected, error, or signed when it cannot be checked here). Progress on stderr.
verify_bundle() {
  local bundle=$1 signing=$2 key=$3 policy=$4 wd=$5 subjects=$6 vargs=(verify --bundle "$bundle") files=() s f code verdict=verified
  if [ "$signing" = key ]; then
    local pub
    if ! pub=$(public_key_for "$key"); then
      notice "no public key next to the signing key and no openssl to derive it: the bundle was not verified here" >&2
      echo signed; return
    fi
    vargs+=(--key "$pub")
  elif [ -n "${GITHUB_WORKFLOW_REF:-}" ]; then
    if ! plumbline verify --help 2>&1 | grep -q -- '--certificate-identity'; then
      notice "this agent's verify cannot check keyless identities yet: the bundle was signed but not checked here" >&2
      echo signed; return
    fi
    vargs+=(--certificate-identity "${GITHUB_SERVER_URL:-https://github.com}/$GITHUB_WORKFLOW_REF"
            --certificate-oidc-issuer "https://token.actions.githubusercontent.com")
  else
    notice "keyless outside GitHub Actions: no expected identity to verify the bundle against here" >&2
    echo signed; return
  fi
  if [ -n "$policy" ]; then
    if plumbline verify --help 2>&1 | grep -q -- '--policy'; then
      vargs+=(--policy "$policy")
    else
      # This agent's verify has no --policy yet: check the bundle's payload with `policy check`.
      # Its signer rule cannot pass there (the payload is read unverified); the signature and the
      # identity are checked by verify below, the policy's signer rule downstream.
      local pcode failed
      echo "::group::Plumbline: checking the attestation against the policy" >&2
      plumbline policy check --policy "$policy" --bundle "$bundle" --format markdown >"$out_dir/policy.md" 2>/dev/null
      plumbline policy check --policy "$policy" --bundle "$bundle" --format json >"$out_dir/policy.json" 2>/dev/null
      pcode=$?
      cat "$out_dir/policy.md" >&2
      echo "::endgroup::" >&2
      if [ $pcode -eq 1 ]; then
        failed=$("$PLUMBLINE_JAVA" -cp "$PLUMBLINE_JAR" "$here/RecordTool.java" failed-rules "$out_dir/policy.json" | grep -v '^signer$')
        if [ -n "$failed" ]; then echo rejected; return; fi
        notice "the policy's signer rule is not checked here (this agent's verify has no --policy): plumbline verify --policy checks it downstream" >&2
      elif [ $pcode -ne 0 ]; then
        echo error; return
      fi
    fi
  fi
  while IFS= read -r s; do
    [ -n "$s" ] || continue
    while IFS= read -r f; do [ -n "$f" ] && files+=("$wd/$f"); done < <(cd "$wd" && compgen -G "$s")
  done <<<"$subjects"
  if [ ${#files[@]} -eq 0 ]; then
    notice "no subject-path files to verify the bundle against: it was signed but not checked here" >&2
    echo signed; return
  fi
  for f in "${files[@]}"; do
    echo "::group::Plumbline: plumbline verify ... ${f#"$wd"/}" >&2
    plumbline "${vargs[@]}" "$f" >&2
    code=$?
    echo "::endgroup::" >&2
    case $code in
      0) ;;
      1) verdict=rejected ;;
      *) [ "$verdict" = verified ] && verdict=error ;;
    esac
  done
  echo "$verdict"
}

cmd_trace() {
  : "${PLUMBLINE_JAVA:?run.sh install first (PLUMBLINE_JAVA is not set)}" "${PLUMBLINE_JAR:?run.sh install first (PLUMBLINE_JAR is not set)}"
  local script=${PLUMBLINE_INPUT_RUN:-} wd=${PLUMBLINE_INPUT_WORKING_DIRECTORY:-.}
  local egress=${PLUMBLINE_INPUT_EGRESS_POLICY:-audit} signing=${PLUMBLINE_INPUT_SIGNING:-auto}
  local key=${PLUMBLINE_INPUT_KEY:-} policy=${PLUMBLINE_INPUT_POLICY:-}
  local allowed subjects args=() rc verdict bundle="" record key_dir="" key_feeder=""
  if [ -z "${script//[[:space:]]/}" ]; then error "the 'run' input is empty: give the build command(s) to trace"; return 2; fi
  case "$egress" in audit|block) ;; *) error "egress-policy must be audit or block, not '$egress'"; return 2 ;; esac
  if [ "$signing" = auto ]; then
    if [ -n "$key" ]; then signing=key
    elif [ -n "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ]; then signing=keyless
    else signing=none
    fi
  fi
  case "$signing" in keyless|key|none) ;; *) error "signing must be keyless, key, none or auto, not '$signing'"; return 2 ;; esac
  case "$wd" in /*) ;; *) wd="$workspace/$wd" ;; esac
  [ -d "$wd" ] || { error "working-directory '$wd' does not exist"; return 2; }
  if [ -n "$policy" ]; then
    case "$policy" in /*) ;; *) policy="$workspace/$policy" ;; esac
    [ -r "$policy" ] || { error "the policy file '$policy' is not readable"; return 2; }
  fi
  mkdir -p "$out_dir"
  record="$out_dir/build.json"
  rm -f "$record" "$out_dir/plumbline.sigstore.json" "$out_dir/policy.md" "$out_dir/report.html"

  args=(run --record "$record" --egress "$egress")
  allowed=$(words "${PLUMBLINE_INPUT_ALLOWED_ENDPOINTS:-}")
  while IFS= read -r a; do [ -n "$a" ] && args+=(--allow "$a"); done <<<"$allowed"
  subjects=$(words "${PLUMBLINE_INPUT_SUBJECT_PATH:-}")
  while IFS= read -r s; do [ -n "$s" ] && args+=(--subject "$s"); done <<<"$subjects"
  case "$signing" in
    key)
      [ -n "$key" ] || { error "signing: key needs the 'key' input (a PEM private key, or the path to one)"; return 2; }
      if [[ "$key" == *"-----BEGIN"* ]]; then
        # The key never touches the disk, where the build (same user) could read it: it goes through
        # a FIFO that plumbline drains when it loads the key, before the build starts. The public
        # half, for verifying the bundle here, is derived up front.
        key_dir=$(mktemp -d "$out_dir/key.XXXXXX") && chmod 700 "$key_dir" && mkfifo -m 600 "$key_dir/signing.key" \
          || { error "cannot create a FIFO for the signing key under $out_dir"; return 2; }
        if command -v openssl >/dev/null 2>&1; then
          printf '%s\n' "$key" | openssl pkey -pubout -out "$key_dir/signing.pub" 2>/dev/null || rm -f "$key_dir/signing.pub"
        fi
        (printf '%s\n' "$key" >"$key_dir/signing.key") &
        key_feeder=$!
        key="$key_dir/signing.key"
      else
        case "$key" in /*) ;; *) key="$workspace/$key" ;; esac
        [ -r "$key" ] || { error "the signing key '$key' is not readable"; return 2; }
      fi
      bundle="$out_dir/plumbline.sigstore.json"
      args+=(--key "$key" --bundle "$bundle") ;;
    keyless)
      if [ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] && [ -z "${SIGSTORE_ID_TOKEN:-}" ]; then
        error "signing: keyless needs an OIDC token: give the job 'permissions: id-token: write'"
        return 2
      fi
      bundle="$out_dir/plumbline.sigstore.json"
      args+=(--keyless --bundle "$bundle") ;;
  esac

  echo "::group::Plumbline: tracing the build (egress $egress, signing $signing)"
  # The build inherits this environment: no input (the key above all) is passed on to it.
  (cd "$wd" && for v in "${!PLUMBLINE_INPUT_@}"; do unset "$v"; done \
    && plumbline "${args[@]}" -- bash --noprofile --norc -eo pipefail -c "$script")
  rc=$?
  echo "::endgroup::"
  if [ -n "$key_feeder" ]; then
    kill "$key_feeder" 2>/dev/null # still waiting only if plumbline never read the key
    wait "$key_feeder" 2>/dev/null
    rm -f "$key_dir/signing.key"
  fi

  set_output record-path "$([ -f "$record" ] && echo "$record")"
  set_output bundle-path "$([ -n "$bundle" ] && [ -f "$bundle" ] && echo "$bundle")"

  # The verdict: what a downstream `plumbline verify` would say, checked here right away.
  if [ ! -f "$record" ]; then
    verdict=no-record
    error "the build record was not written (plumbline exited $rc)"
  elif [ -n "$bundle" ] && [ ! -f "$bundle" ]; then
    verdict=error
    error "the build was traced but the bundle was not written (plumbline exited $rc)"
  elif [ -n "$bundle" ]; then
    verdict=$(verify_bundle "$bundle" "$signing" "$key" "$policy" "$wd" "$subjects")
  elif [ -n "$policy" ]; then
    echo "::group::Plumbline: checking the record against the policy (unsigned)"
    plumbline policy check --policy "$policy" --record "$record" --format markdown >"$out_dir/policy.md"
    case $? in 0) verdict=passed ;; 1) verdict=rejected ;; *) verdict=error ;; esac
    cat "$out_dir/policy.md"
    echo "::endgroup::"
  else
    verdict=unsigned
  fi
  set_output verdict "$verdict"

  if [ -f "$record" ]; then
    local has_allowlist=false
    [ -n "$allowed" ] && has_allowlist=true
    # File annotations are relative to the repository root, the record's paths to the build's directory.
    local prefix=""
    case "$wd/" in "$workspace"/*) prefix=${wd#"$workspace"/}; prefix=${prefix#.}; prefix=${prefix#/}; [ -n "$prefix" ] && prefix="${prefix%/}/" ;; esac
    annotate "$record" "$egress" "$has_allowlist" "$prefix"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      summary_markdown "$record" "$verdict" >>"$GITHUB_STEP_SUMMARY"
    fi
    set_output report-path "$([ -f "$out_dir/report.html" ] && echo "$out_dir/report.html")"
  fi

  if [ $rc -ne 0 ]; then
    case $rc in
      120) error "tracing is not permitted here (ptrace blocked by a seccomp profile or Yama): see the log above" ;;
      121) error "the build ran but plumbline could not write or sign the record (exit 121): see the log above" ;;
      125) error "plumbline refused its options (exit 125): see the log above" ;;
      *) error "the build exited with $rc under plumbline" ;;
    esac
    return $rc
  fi
  case "$verdict" in
    rejected|error)
      if [ -n "$bundle" ]; then error "the attestation did not verify (verdict: $verdict): see the log above"
      else error "the build record did not pass the policy (verdict: $verdict): see the log above"; fi
      return 1 ;;
  esac
  return 0
}

case "${1:-}" in
  install) cmd_install ;;
  trace) cmd_trace ;;
  # For tests: the annotations a record raises (RECORD EGRESS_MODE HAS_ALLOWLIST [PATH_PREFIX]).
  annotate) shift; : "${PLUMBLINE_JAVA:=java}" "${PLUMBLINE_JAR:=$repo/agent/target/plumbline.jar}"; annotate "$1" "$2" "$3" "${4:-}" ;;
  *) echo "usage: $0 install|trace|annotate (the Plumbline action's steps; see action/README.md)" >&2; exit 2 ;;
esac
