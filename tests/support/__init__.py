"""Helpers shared by more than one test folder or by the benchmarks (bench/), imported as
``tests.support.<module>``: the real server in a process (edge_process, boxserver, e2e) and a
kitchen in a rush for it (kitchen_rush); the cloud stand-ins (pg_server and its supabase_shim.sql,
gateway, gotrue, postgrest_reads, sync_cloud, sync_box); the load and checks of the crash tests
(crash_load, crash_sync); fake printers and fired orders (fake_printer, printing); synthetic speech
and voice menus (speech, voice_menus); the API fuzzer (fuzzing); Flask test-client helpers
(client); polling with a limit (waiting); and the skip policy (requirements).

A helper only one folder uses stays beside its tests (tests/api/helpers.py, tests/sync/
sync_timeline.py, tests/e2e/powercut_fs.py...)."""
