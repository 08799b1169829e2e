//! What readers derived from one published snapshot of an order (its JSON body), kept with the
//! snapshot: a status read of an order that did not change since the last read reuses the
//! body instead of building the links and serialising again. It lives exactly as long as the
//! snapshot (a change publishes a new, empty one), so it is never stale and never outlives the
//! order; it costs memory only for orders read since their last change.

use bytes::Bytes;
use std::sync::OnceLock;

/// How many renderings a snapshot keeps (a reader's variants: the links an ordinary user and a
/// super-admin see differ).
pub const RENDERINGS: usize = 2;

/// Renderings of one snapshot, one per variant, built by the first reader that needs it.
/// Not part of the order: two snapshots compare equal whatever they rendered, and a copy
/// starts empty.
#[derive(Default)]
pub struct Renderings([OnceLock<Bytes>; RENDERINGS]);

impl Renderings {
    /// The rendering of `variant` (`< RENDERINGS`), built by `render` when it is the first
    /// asked for; a variant out of range is rendered each time.
    pub fn get_or_render<E>(
        &self,
        variant: usize,
        render: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        let Some(slot) = self.0.get(variant) else {
            return render();
        };
        if let Some(rendered) = slot.get() {
            return Ok(rendered.clone());
        }
        let rendered = render()?;
        // Two first readers may race: both rendered the same snapshot, either result is right.
        let _ = slot.set(rendered.clone());
        Ok(rendered)
    }
}

impl Clone for Renderings {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for Renderings {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Renderings {}

impl std::fmt::Debug for Renderings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Renderings")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn renders_each_variant_once() {
        let renderings = Renderings::default();
        let calls = Cell::new(0);
        let render = |text: &'static str| {
            calls.set(calls.get() + 1);
            Ok::<_, ()>(Bytes::from_static(text.as_bytes()))
        };
        assert_eq!(renderings.get_or_render(0, || render("a")), Ok("a".into()));
        assert_eq!(renderings.get_or_render(0, || render("b")), Ok("a".into()));
        assert_eq!(renderings.get_or_render(1, || render("c")), Ok("c".into()));
        assert_eq!(calls.get(), 2);
        // A copy is a new snapshot: nothing rendered yet.
        assert_eq!(
            renderings.clone().get_or_render(0, || render("d")),
            Ok("d".into())
        );
        assert_eq!(
            renderings.get_or_render(RENDERINGS, || render("e")),
            Ok("e".into())
        );
        assert_eq!(
            renderings.get_or_render(RENDERINGS, || render("f")),
            Ok("f".into())
        );
    }

    #[test]
    fn a_failed_rendering_is_not_kept() {
        let renderings = Renderings::default();
        assert_eq!(
            renderings.get_or_render(0, || Err::<Bytes, _>("boom")),
            Err("boom")
        );
        assert_eq!(
            renderings.get_or_render(0, || Ok::<_, &str>("ok".into())),
            Ok("ok".into())
        );
    }
}
