#!/usr/bin/env bash
# Licence check for every Go module that ends up in the Consul binary built by
# tools/consul/build.sh.
#
# The module set is the one `go list -deps` reports for the consul main package
# (exactly the modules that are linked; `go version -m` on a built binary lists
# the same set, and this script cross-checks that when a binary is given or
# found in the cache). For each module it reads the licence file(s) from the
# module cache and classifies them. A module passes only if every package of it
# that is linked is covered by licence files that are all recognised open-source
# licences (MIT, Apache-2.0, BSD-2/3-Clause, MPL-2.0, ISC, ...) and none of its licence files
# carries a non-open licence marker (BUSL / Business Source License, SSPL,
# Elastic License, Commons Clause, ...). Consul's envoyextensions and
# troubleshoot modules are rejected by name.
#
# Usage: tools/consul/check-licenses.sh [path/to/consul-binary]
# Exit status: 0 if all modules pass, 1 otherwise. Prints one line per module
# with -v.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
cd "$here"

verbose=0
binary=""
for arg in "$@"; do
  case "$arg" in
    -v|--verbose) verbose=1 ;;
    *) binary="$arg" ;;
  esac
done
if [[ -z "$binary" ]]; then
  version="$(sed -n 's/^[[:space:]]*github.com\/hashicorp\/consul v\([^ ]*\).*/\1/p' go.mod | head -n1)"
  candidate="$repo_root/.cache/consul/$version/consul"
  [[ -x "$candidate" ]] && binary="$candidate"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# module path@version <TAB> module dir <TAB> package dir, for every non-std package linked.
go list -deps -f '{{with .Module}}{{.Path}}@{{.Version}}{{"\t"}}{{.Dir}}{{"\t"}}{{$.Dir}}{{end}}' \
  github.com/hashicorp/consul | grep -v '^$' | sort -u > "$tmp/pkgs.tsv"
cut -f1,2 "$tmp/pkgs.tsv" | sort -u > "$tmp/mods.tsv"

if go list -deps -f '{{with .Module}}{{with .Replace}}{{$.ImportPath}} replaced by {{.Path}}{{end}}{{end}}' \
    github.com/hashicorp/consul | grep -q .; then
  echo "error: a module in the build is replaced; this check assumes none is" >&2
  exit 1
fi

if [[ -n "$binary" ]]; then
  go version -m "$binary" | awk '$1=="mod"||$1=="dep"{print $2"@"$3}' | sort > "$tmp/bin.txt"
  if ! cut -f1 "$tmp/mods.tsv" | sort | diff -u - "$tmp/bin.txt" > "$tmp/bin.diff"; then
    echo "error: modules in $binary differ from 'go list -deps':" >&2
    cat "$tmp/bin.diff" >&2
    exit 1
  fi
fi

deny_re='Business Source License|BUSL|Server Side Public License|Elastic License|Commons Clause|PolyForm|Confluent Community License|SSPL'

# classify FILE -> prints the licence id of the file: the recognised licence
# whose text starts earliest in the file (combined files such as VMware's
# "Apache-2.0 for the product, then third-party sections" get the first one),
# "DENIED" if a non-open licence marker appears anywhere, "UNKNOWN" otherwise
# or when the first recognised text starts only after a long unrecognised
# preamble.
declare -a sig_ids=(MPL-2.0 Apache-2.0 MIT ISC BSD Unlicense CC0-1.0 Zlib)
declare -a sig_res=(
  'Mozilla Public License,? ?(Version|v\.?)? ?2\.0'
  'Apache License,? ?(Version|v\.?)? ?2\.0'
  'Permission is hereby granted, free of charge'
  'Permission to use, copy, modify, and(/or)? distribute this software for any purpose with or without fee'
  'Redistribution and use in source and binary forms'
  'This is free and unencumbered software released into the public domain'
  'CC0 1\.0 Universal'
  "This software is provided 'as-is', without any express or implied"
)
classify() {
  local f="$1" t i off best=-1 id=UNKNOWN
  t="$(tr -s '[:space:]' ' ' < "$f")"
  if grep -qE "$deny_re" <<<"$t"; then echo "DENIED"; return; fi
  for i in "${!sig_ids[@]}"; do
    off="$(grep -boiE "${sig_res[$i]}" <<<"$t" | head -n1 | cut -d: -f1 || true)"
    if [[ -n "$off" ]] && (( best < 0 || off < best )); then best=$off; id=${sig_ids[$i]}; fi
  done
  if (( best > 6000 )); then echo "UNKNOWN"; return; fi
  if [[ $id == BSD ]]; then
    if grep -qiE 'Neither the name|names of (its|the) contributors|name of the copyright holder' <<<"$t"; then id=BSD-3-Clause; else id=BSD-2-Clause; fi
  fi
  echo "$id"
}

# Licence-like file names: LICENSE, LICENCE, COPYING, UNLICENSE, optionally with a
# suffix such as .md, .txt, -APACHE, .MIT (but not source/config files such as
# license_checker.sh or license.go).
licence_find() { # DIR [find options...]
  local dir="$1"; shift
  find "$dir" "$@" -type f -regextype posix-extended \
    -iregex '.*/(licen[cs]e|copying|unlicense)([._-][a-z0-9._-]*)?' \
    ! -iregex '.*\.(go|s|c|h|sh|py|js|ts|yml|yaml|json|toml|html|tmpl|mod|sum|proto)' 2>/dev/null | sort
}
licence_files_in() { licence_find "$1" -maxdepth 1; } # DIR -> licence files directly in DIR

fail=0
declare -A count
declare -A classified
declare -A dir_licences
exceptions=()
total=0
while IFS=$'\t' read -r mod dir; do
  total=$((total + 1))
  case "$mod" in
    github.com/hashicorp/consul/envoyextensions@*|github.com/hashicorp/consul/troubleshoot@*)
      exceptions+=("$mod: forbidden module (not open source in later Consul releases)"); fail=1; continue ;;
  esac
  # Non-open markers anywhere in the module's licence files (also nested ones).
  denied="$(licence_find "$dir" | xargs -r -d '\n' grep -lE "$deny_re" || true)"
  if [[ -n "$denied" ]]; then
    exceptions+=("$mod: non-open licence marker in ${denied//$'\n'/, }"); fail=1; continue
  fi
  # Licence files covering each linked package: nearest ones walking up to the module root.
  ids=()
  uncovered=()
  unknown_files=()
  while IFS= read -r pkgdir; do
    d="$pkgdir"; found=""
    while :; do
      if [[ -z "${dir_licences[$d]+set}" ]]; then dir_licences[$d]="$(licence_files_in "$d")"; fi
      found="${dir_licences[$d]}"
      [[ -n "$found" || "$d" == "$dir" || "$d" == "/" ]] && break
      d="${d%/*}"
    done
    if [[ -z "$found" ]]; then uncovered+=("${pkgdir#"$dir"}"); continue; fi
    while IFS= read -r f; do
      [[ -n "${classified[$f]:-}" ]] || classified[$f]="$(classify "$f")"
      ids+=("${classified[$f]}")
      if [[ ${classified[$f]} == UNKNOWN ]]; then unknown_files+=("${f#"$dir"/}"); fi
    done <<<"$found"
  done < <(awk -F'\t' -v m="$mod" '$1==m{print $3}' "$tmp/pkgs.tsv")
  uniq_ids="$(printf '%s\n' "${ids[@]:-}" | grep -v '^$' | sort -u | tr '\n' ' ' | sed 's/ $//')"
  known="$(printf '%s\n' "${ids[@]:-}" | grep -vE '^(UNKNOWN|DENIED)?$' | sort -u | tr '\n' '+' | sed 's/+$//')"
  if [[ ${#uncovered[@]} -gt 0 ]]; then
    exceptions+=("$mod: no licence file for package dir(s) ${uncovered[*]}"); fail=1
  elif [[ ${#unknown_files[@]} -gt 0 || -z "$known" ]]; then
    # Strict: every licence file must be recognised (review and extend classify() if needed).
    exceptions+=("$mod: unrecognised licence file(s) $(printf '%s\n' "${unknown_files[@]}" | sort -u | tr '\n' ' ')($uniq_ids)"); fail=1
  else
    count[$known]=$(( ${count[$known]:-0} + 1 ))
    if [[ $verbose == 1 ]]; then printf '%-70s %s\n' "$mod" "$known"; fi
  fi
done < "$tmp/mods.tsv"

echo "Modules linked into consul: $total${binary:+ (matches go version -m $binary)}"
for k in "${!count[@]}"; do printf '  %-28s %d\n' "$k" "${count[$k]}"; done | sort -k2 -nr
if [[ ${#exceptions[@]} -gt 0 ]]; then
  echo "Exceptions: ${#exceptions[@]}"
  printf '  %s\n' "${exceptions[@]}"
else
  echo "Exceptions: 0"
fi
exit "$fail"
