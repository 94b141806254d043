//! Partners and the catalogue: find a pro, see everything about them (profile, Star Score, tier,
//! ratings, jobs, wallet, penalties), change their tier or status; the categories.

use shared_types::jobs::{AdminJobFilter, Job, Penalty, PenaltyFilter};
use shared_types::partners::{
    AssignmentMode, Category, CategoryInput, MembershipTier, MoneyInput, PartnerAdminUpdate,
    PartnerFilter, PartnerProfile, PartnerStatus,
};
use shared_types::ratings::{AdminRatingFilter, Rating};
use shared_types::wallet::{Wallet, WalletEntry};

use super::{PAGE, staff_jobs};
use crate::state::{AppError, Session, format};

/// Pros whose business name or email contains `text` (all of them when it is blank).
pub async fn find_partners(
    session: &Session,
    text: &str,
    status: Option<PartnerStatus>,
) -> Result<Vec<PartnerProfile>, AppError> {
    let filter = PartnerFilter {
        q: Some(text.trim().to_owned()).filter(|q| !q.is_empty()),
        status,
        ..PartnerFilter::default()
    };
    let page = session
        .call(|c| {
            let filter = filter.clone();
            async move { c.admin_list_partners(&filter, &PAGE).await }
        })
        .await?;
    Ok(page.items)
}

/// Everything the console shows about one pro.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerFile {
    pub profile: PartnerProfile,
    pub wallet: Wallet,
    pub entries: Vec<WalletEntry>,
    pub jobs: Vec<Job>,
    pub ratings: Vec<Rating>,
    pub penalties: Vec<Penalty>,
}

impl PartnerFile {
    pub async fn load(session: &Session, partner_id: &str) -> Result<Self, AppError> {
        let profile = session
            .call(|c| async move { c.admin_partner(partner_id).await })
            .await?;
        let wallet = session
            .call(|c| async move { c.admin_partner_wallet(partner_id).await })
            .await?;
        let entries = session
            .call(|c| async move { c.admin_partner_wallet_entries(partner_id, &PAGE).await })
            .await?
            .items;
        let jobs_filter = AdminJobFilter {
            partner_id: Some(partner_id.to_owned()),
            ..AdminJobFilter::default()
        };
        let jobs = staff_jobs(session, jobs_filter).await?;
        let ratings_filter = AdminRatingFilter {
            ratee_id: Some(partner_id.to_owned()),
        };
        let ratings = session
            .call(|c| {
                let filter = ratings_filter.clone();
                async move { c.admin_ratings(&filter, &PAGE).await }
            })
            .await?
            .items;
        let penalties_filter = PenaltyFilter {
            user_id: Some(partner_id.to_owned()),
        };
        let penalties = session
            .call(|c| {
                let filter = penalties_filter.clone();
                async move { c.admin_penalties(&filter, &PAGE).await }
            })
            .await?
            .items;
        Ok(Self {
            profile,
            wallet,
            entries,
            jobs,
            ratings,
            penalties,
        })
    }
}

/// A change of a pro's tier or status, with the reason the audit log keeps.
pub async fn update_partner(
    session: &Session,
    partner_id: &str,
    tier: Option<MembershipTier>,
    status: Option<PartnerStatus>,
    reason: &str,
) -> Result<PartnerProfile, AppError> {
    if reason.trim().is_empty() {
        return Err(AppError::invalid(
            "reason",
            "Say why: the audit log keeps it",
        ));
    }
    let body = PartnerAdminUpdate {
        status,
        tier,
        reason: reason.trim().to_owned(),
    };
    session
        .call(|c| {
            let body = body.clone();
            async move { c.admin_update_partner(partner_id, &body).await }
        })
        .await
}

// --- the catalogue ---

/// Every category, retired ones too.
pub async fn catalogue(session: &Session) -> Result<Vec<Category>, AppError> {
    let page = session
        .call(|c| async move { c.admin_categories(&PAGE).await })
        .await?;
    Ok(page.items)
}

/// A category as typed in the console.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CategoryForm {
    pub slug: String,
    pub name: String,
    pub review: bool,
    /// The list price for instant categories (`149.00`), empty for review ones.
    pub list_price: String,
    pub active: bool,
}

impl CategoryForm {
    pub fn from_category(category: &Category) -> Self {
        Self {
            slug: category.slug.clone(),
            name: category.name.clone(),
            review: category.assignment_mode == AssignmentMode::Review,
            list_price: category
                .list_price
                .as_ref()
                .map(|price| {
                    format!(
                        "{}.{:02}",
                        price.amount_cents / 100,
                        price.amount_cents % 100
                    )
                })
                .unwrap_or_default(),
            active: category.active,
        }
    }

    pub fn to_input(&self) -> Result<CategoryInput, AppError> {
        let list_price = if self.review || self.list_price.trim().is_empty() {
            None
        } else {
            let cents = format::parse_cents(&self.list_price)
                .ok_or_else(|| AppError::invalid("list_price", "Type an amount, e.g. 149.00"))?;
            Some(MoneyInput {
                amount_cents: cents,
                currency: "CAD".into(),
            })
        };
        Ok(CategoryInput {
            slug: self.slug.trim().to_owned(),
            name: self.name.trim().to_owned(),
            assignment_mode: if self.review {
                AssignmentMode::Review
            } else {
                AssignmentMode::Instant
            },
            list_price,
            active: self.active,
        })
    }
}

/// Saves `form` over the category `id`, or as a new category.
pub async fn save_category(
    session: &Session,
    id: Option<&str>,
    form: &CategoryForm,
) -> Result<Category, AppError> {
    let input = form.to_input()?;
    session
        .call(|c| {
            let input = input.clone();
            async move {
                match id {
                    Some(id) => c.admin_update_category(id, &input).await,
                    None => c.admin_create_category(&input).await,
                }
            }
        })
        .await
}
