//! What an upload becomes: its type sniffed from the bytes (never taken from the caller), decoded
//! within pixel and memory limits, turned upright by its EXIF orientation, shrunk, and encoded
//! anew. Nothing of the original file survives but its pixels: EXIF (GPS included), XMP, ICC and
//! comments are all left behind. A thumbnail is made from the same pixels.

use std::io::{BufReader, Read, Seek};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::error::{ApiError, ApiResult};
use shared_types::ErrorCode;

/// The stored image's longer side, at most.
pub const FULL_SIDE: u32 = 2560;
/// The thumbnail's longer side, at most.
pub const THUMB_SIDE: u32 = 400;
/// The most pixels an upload may have (a 48-megapixel phone photo fits).
pub const MAX_PIXELS: u64 = 50_000_000;
/// The longest side an upload may have.
const MAX_SIDE: u32 = 12_000;
/// What the decoder may allocate: a 50-megapixel image with 4 bytes a pixel, and some room.
const MAX_ALLOC: u64 = 256 << 20;
const JPEG_QUALITY: u8 = 85;

/// A photo ready to store.
#[derive(Debug)]
pub struct Processed {
    /// `image/jpeg`, or `image/png` when the image has transparency.
    pub content_type: &'static str,
    pub full: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub thumb: Vec<u8>,
}

/// Reads an uploaded file and makes the stored photo and its thumbnail. A file that is not a
/// JPEG, PNG or WebP image is 415 `unsupported_media_type`; one that says it is but does not
/// decode, or is too large in pixels, is 422.
pub fn process(file: impl Read + Seek) -> ApiResult<Processed> {
    let reader = ImageReader::new(BufReader::new(file))
        .with_guessed_format()
        .map_err(ApiError::internal)?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP) => {}
        _ => {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "the file is not a JPEG, PNG or WebP image",
            ));
        }
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = reader;
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ApiError::invalid_field(
            "file",
            format!("the image is {width}x{height}: at most {MAX_PIXELS} pixels"),
        ));
    }
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);

    if image.width().max(image.height()) > FULL_SIDE {
        // An integer box filter: as sharp as a triangle filter when shrinking, without its
        // floating-point copy of the whole image (four bytes a channel).
        image = image.thumbnail(FULL_SIDE, FULL_SIDE);
    }
    let transparent = image.color().has_alpha();
    let full = encode(&image, transparent)?;
    let thumb = if image.width().max(image.height()) > THUMB_SIDE {
        encode(&image.thumbnail(THUMB_SIDE, THUMB_SIDE), transparent)?
    } else {
        full.clone()
    };
    Ok(Processed {
        content_type: if transparent {
            "image/png"
        } else {
            "image/jpeg"
        },
        full,
        width: image.width(),
        height: image.height(),
        thumb,
    })
}

/// Encodes the pixels alone: JPEG, or PNG to keep transparency.
fn encode(image: &DynamicImage, transparent: bool) -> ApiResult<Vec<u8>> {
    let mut out = Vec::new();
    let written = if transparent {
        image
            .to_rgba8()
            .write_with_encoder(PngEncoder::new(&mut out))
    } else {
        image
            .to_rgb8()
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))
    };
    written.map_err(ApiError::internal)?;
    Ok(out)
}

fn unreadable(error: image::ImageError) -> ApiError {
    match error {
        image::ImageError::Limits(_) => ApiError::invalid_field(
            "file",
            format!(
                "the image is too large: at most {MAX_SIDE} pixels a side and {MAX_PIXELS} in all"
            ),
        ),
        other => ApiError::invalid_field(
            "file",
            format!("the file claims to be an image but cannot be read: {other}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    use super::*;

    fn byte(value: u32) -> u8 {
        u8::try_from(value % 256).unwrap()
    }

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| Rgb([byte(x), byte(y), 90]));
        let mut out = Vec::new();
        image
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
            .unwrap();
        out
    }

    #[test]
    fn a_large_photo_is_shrunk_and_thumbnailed() {
        let processed = process(Cursor::new(jpeg(3000, 2000))).unwrap();
        assert_eq!(processed.content_type, "image/jpeg");
        assert_eq!((processed.width, processed.height), (2560, 1707));
        let thumb = image::load_from_memory(&processed.thumb).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (400, 267));
    }

    #[test]
    fn transparency_stays_png() {
        let image = RgbaImage::from_pixel(10, 10, Rgba([1, 2, 3, 0]));
        let mut png = Vec::new();
        image.write_with_encoder(PngEncoder::new(&mut png)).unwrap();
        let processed = process(Cursor::new(png)).unwrap();
        assert_eq!(processed.content_type, "image/png");
        let thumb = image::load_from_memory(&processed.thumb).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (10, 10), "never enlarged");
    }

    #[test]
    fn text_and_false_images_are_refused() {
        let text = process(Cursor::new(b"hello, this is not an image".to_vec())).unwrap_err();
        assert_eq!(text.code(), ErrorCode::UnsupportedMediaType);
        let mut not_png = b"\x89PNG\r\n\x1a\n".to_vec();
        not_png.extend_from_slice(&[7; 100]);
        let broken = process(Cursor::new(not_png)).unwrap_err();
        assert_eq!(broken.code(), ErrorCode::ValidationFailed);
    }
}
