// Shared by the targets and the seed generator: the keyring the fuzzed messages are written for.
pub fn keyring() -> envseal::RawAesKeyring {
    envseal::RawAesKeyring::new("fuzz", "key", &envseal::DataKey::new(vec![0x5a; 32])).expect("valid keyring")
}
