//! The errors `#[derive(Model)]` gives for models that break a rule, and the
//! type errors of typed column filters. Each case in `tests/ui/` has its
//! expected compiler output beside it (`TRYBUILD=overwrite` rewrites them).

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
