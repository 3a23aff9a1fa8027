;; XXH64 of log records, in place, many per call (workers/persistence/record-checksums.ts).
;; The staging buffer of a shard's log lives in this module's memory; once per write, one call
;; stamps every record staged since the last call: XXH64 (seed 0) of the whole record with its
;; checksum field (bytes 24..32) read as 0, stored little-endian in that field. One call per record
;; through xxhash-wasm costs about 0.2 µs (a copy into its memory and a BigInt); here the hash is
;; all that is paid. Rebuild the bytes with `node scripts/build-xxh64.mjs` after a change.
(module
  (memory (export "memory") 1 65536)
  (global $P1 i64 (i64.const 0x9E3779B185EBCA87))
  (global $P2 i64 (i64.const 0xC2B2AE3D27D4EB4F))
  (global $P3 i64 (i64.const 0x165667B19E3779F9))
  (global $P4 i64 (i64.const 0x85EBCA77C2B2AE63))
  (global $P5 i64 (i64.const 0x27D4EB2F165667C5))

  (func $round (param $acc i64) (param $input i64) (result i64)
    (i64.mul
      (i64.rotl (i64.add (local.get $acc) (i64.mul (local.get $input) (global.get $P2))) (i64.const 31))
      (global.get $P1)))

  (func $merge (param $acc i64) (param $val i64) (result i64)
    (i64.add
      (i64.mul (i64.xor (local.get $acc) (call $round (i64.const 0) (local.get $val))) (global.get $P1))
      (global.get $P4)))

  ;; XXH64 with seed 0 of memory[p, p + len).
  (func $xxh64 (export "xxh64") (param $p i32) (param $len i32) (result i64)
    (local $end i32) (local $limit i32) (local $h i64)
    (local $v1 i64) (local $v2 i64) (local $v3 i64) (local $v4 i64)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (if (i32.ge_u (local.get $len) (i32.const 32))
      (then
        (local.set $limit (i32.sub (local.get $end) (i32.const 32)))
        (local.set $v1 (i64.add (global.get $P1) (global.get $P2)))
        (local.set $v2 (global.get $P2))
        (local.set $v3 (i64.const 0))
        (local.set $v4 (i64.sub (i64.const 0) (global.get $P1)))
        (loop $stripes
          (local.set $v1 (call $round (local.get $v1) (i64.load (local.get $p))))
          (local.set $v2 (call $round (local.get $v2) (i64.load offset=8 (local.get $p))))
          (local.set $v3 (call $round (local.get $v3) (i64.load offset=16 (local.get $p))))
          (local.set $v4 (call $round (local.get $v4) (i64.load offset=24 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 32)))
          (br_if $stripes (i32.le_u (local.get $p) (local.get $limit))))
        (local.set $h
          (i64.add
            (i64.add (i64.rotl (local.get $v1) (i64.const 1)) (i64.rotl (local.get $v2) (i64.const 7)))
            (i64.add (i64.rotl (local.get $v3) (i64.const 12)) (i64.rotl (local.get $v4) (i64.const 18)))))
        (local.set $h (call $merge (local.get $h) (local.get $v1)))
        (local.set $h (call $merge (local.get $h) (local.get $v2)))
        (local.set $h (call $merge (local.get $h) (local.get $v3)))
        (local.set $h (call $merge (local.get $h) (local.get $v4))))
      (else (local.set $h (global.get $P5))))
    (local.set $h (i64.add (local.get $h) (i64.extend_i32_u (local.get $len))))
    (block $eights_done
      (loop $eights
        (br_if $eights_done (i32.gt_u (i32.add (local.get $p) (i32.const 8)) (local.get $end)))
        (local.set $h (i64.xor (local.get $h) (call $round (i64.const 0) (i64.load (local.get $p)))))
        (local.set $h
          (i64.add (i64.mul (i64.rotl (local.get $h) (i64.const 27)) (global.get $P1)) (global.get $P4)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $eights)))
    (if (i32.le_u (i32.add (local.get $p) (i32.const 4)) (local.get $end))
      (then
        (local.set $h
          (i64.xor (local.get $h) (i64.mul (i64.load32_u (local.get $p)) (global.get $P1))))
        (local.set $h
          (i64.add (i64.mul (i64.rotl (local.get $h) (i64.const 23)) (global.get $P2)) (global.get $P3)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))))
    (block $ones_done
      (loop $ones
        (br_if $ones_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $h
          (i64.xor (local.get $h) (i64.mul (i64.load8_u (local.get $p)) (global.get $P5))))
        (local.set $h (i64.mul (i64.rotl (local.get $h) (i64.const 11)) (global.get $P1)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $ones)))
    (local.set $h (i64.mul (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))) (global.get $P2)))
    (local.set $h (i64.mul (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 29))) (global.get $P3)))
    (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 32))))

  ;; Stamps the records in memory[p, end), each starting with its u32 length (at least 32).
  ;; Returns where it stopped: `end`, or the first record whose length is impossible.
  (func (export "checksumRecords") (param $p i32) (param $end i32) (result i32)
    (local $len i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $len (i32.load (local.get $p)))
        (br_if $done (i32.lt_u (local.get $len) (i32.const 32)))
        (br_if $done (i32.gt_u (local.get $len) (i32.sub (local.get $end) (local.get $p))))
        (i64.store offset=24 (local.get $p) (i64.const 0))
        (i64.store offset=24 (local.get $p) (call $xxh64 (local.get $p) (local.get $len)))
        (local.set $p (i32.add (local.get $p) (local.get $len)))
        (br $next)))
    (local.get $p)))
