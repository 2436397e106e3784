#!/usr/bin/env bash
# Runs the test programs under valgrind memcheck: every C test in ctests/
# (linked to our libzmq.so), the Rust integration tests and the unit tests.
# Fails on any memory error (invalid read/write, use of uninitialised
# values, bad free) and on definite or indirect leaks. "Possibly lost"
# blocks are reported but allowed: they are process-lifetime caches
# (zmq_strerror's texts, std's thread handle).
#
#   tests/valgrind.sh              everything (about 1-2 minutes on 2 cores)
#   tests/valgrind.sh test_router  only the programs whose name matches
#
# Honours CARGO_TARGET_DIR; VALGRIND_JOBS (default: number of CPUs) runs
# that many programs at once. Logs go to <target>/debug/valgrind/<name>.log.
set -euo pipefail

cd "$(dirname "$0")/.."
filter=${1:-}
target=${CARGO_TARGET_DIR:-$PWD/target}
jobs=${VALGRIND_JOBS:-$(nproc)}
logs=$target/debug/valgrind
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; }
mkdir -p "$logs"

# Build everything and let the ctests harness compile the C programs (it
# also runs them once, natively).
cargo test --no-run --quiet
cargo test --quiet --test ctests ${filter:+"$filter"} >/dev/null

programs=()
for exe in "$target"/debug/ctests/test_*; do
    case $(basename "$exe") in
        # Measures peak RSS, which valgrind's own shadow memory inflates.
        test_large_msg) continue ;;
        # Its forked children must leave the inherited context alone and
        # _exit: valgrind counts what they leave behind as their leaks (and
        # its exit code fails the child's check).
        test_fork) continue ;;
    esac
    [[ -x $exe && $exe != *.log ]] && programs+=("$exe")
done
while read -r exe; do
    case $(basename "$exe") in
        ctests-* | header-*) ;; # harnesses: they only compile and spawn
        *) programs+=("$exe") ;;
    esac
done < <(cargo test --no-run --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*"' | cut -d'"' -f4)

run_one() {
    local exe=$1 logs=$2 name
    name=$(basename "$exe")
    name=${name%-*[0-9a-f]} # drop cargo's hash
    if LD_LIBRARY_PATH=$(dirname "$exe")/lib timeout 600 valgrind -q \
        --leak-check=full --show-leak-kinds=definite,indirect \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
        --log-file="$logs/$name.log" "$exe" >"$logs/$name.out" 2>&1; then
        echo "ok      $name"
    else
        echo "FAILED  $name (rc $?, see $logs/$name.log and .out)"
        return 1
    fi
}
export -f run_one

selected=()
for p in "${programs[@]}"; do
    [[ -z $filter || $(basename "$p") == *"$filter"* ]] && selected+=("$p")
done
echo "valgrind: ${#selected[@]} programs, $jobs at a time, logs in $logs"
printf '%s\n' "${selected[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$1" "$2"' _ {} "$logs"
