//! Big-endian readers and writers shared by the wire sections.

/// "The input ends too early": parsing needs at least this many bytes in total (counted from the
/// start of the slice the [`Reader`] was made over) before it can make progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need(pub usize);

/// A cursor over a byte slice whose reads fail with [`Need`] instead of panicking.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The bytes consumed so far.
    pub fn consumed(&self) -> &'a [u8] {
        self.bytes.get(..self.pos).unwrap_or_default()
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Need> {
        let end = self.pos.checked_add(n).ok_or(Need(usize::MAX))?;
        let out = self.bytes.get(self.pos..end).ok_or(Need(end))?;
        self.pos = end;
        Ok(out)
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Need> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, Need> {
        Ok(self.array::<1>()?[0])
    }

    pub fn u16(&mut self) -> Result<u16, Need> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub fn u32(&mut self) -> Result<u32, Need> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub fn u64(&mut self) -> Result<u64, Need> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A `u16` length followed by that many bytes.
    pub fn u16_prefixed(&mut self) -> Result<&'a [u8], Need> {
        let n = self.u16()?;
        self.take(usize::from(n))
    }
}

/// `bytes[from..]`, or empty when `from` is past the end (never panics).
pub(crate) fn tail(bytes: &[u8], from: usize) -> &[u8] {
    bytes.get(from..).unwrap_or_default()
}

/// `bytes[from..]` mutably, or empty when `from` is past the end (never panics).
pub(crate) fn tail_mut(bytes: &mut [u8], from: usize) -> &mut [u8] {
    bytes.get_mut(from..).unwrap_or_default()
}

/// Appends `bytes` with a `u16` length prefix. The caller has checked `bytes.len() <= u16::MAX`.
pub(crate) fn put_u16_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    debug_assert!(bytes.len() <= usize::from(u16::MAX));
    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_reads_say_how_much_is_needed() {
        let mut r = Reader::new(&[0, 3, 1, 2]);
        assert_eq!(r.u16_prefixed(), Err(Need(5)));
        let mut r = Reader::new(&[0]);
        assert_eq!(r.u32(), Err(Need(4)));
        let mut r = Reader::new(&[0, 1, 9]);
        assert_eq!(r.u16_prefixed().unwrap(), &[9]);
        assert_eq!(r.remaining(), 0);
    }
}
