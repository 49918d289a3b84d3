//! Texts in English and Simplified Chinese: many of repldoctor's users read Chinese first, so
//! every sentence a finding shows is written in both.

use serde::{Deserialize, Serialize};

/// The language a report is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    /// English followed by Simplified Chinese.
    Zh,
}

/// One sentence or paragraph in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            zh: zh.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.en.is_empty()
    }
}

/// `text!("English {x}", "中文 {x}")`: both sentences formatted with the same arguments.
#[macro_export]
macro_rules! text {
    ($en:literal, $zh:literal $(,)?) => {
        $crate::Text::new(format!($en), format!($zh))
    };
    ($en:literal, $zh:literal, $($args:tt)+) => {
        $crate::Text::new(format!($en, $($args)+), format!($zh, $($args)+))
    };
}
