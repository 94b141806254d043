//! The schema, shared by PostgreSQL and SQLite (migrations/postgres and migrations/sqlite create
//! the same tables). Kept by hand: portable types only (TEXT, BIGINT, DOUBLE, BOOLEAN, TIMESTAMP).

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        name -> Text,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        suspended_at -> Nullable<Timestamp>,
        suspension_reason -> Nullable<Text>,
        session_epoch -> Integer,
        email_verified_at -> Nullable<Timestamp>,
        phone -> Nullable<Text>,
        phone_verified_at -> Nullable<Timestamp>,
        locale -> Text,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    email_verifications (id) {
        id -> Text,
        user_id -> Text,
        email -> Text,
        purpose -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    phone_verifications (id) {
        id -> Text,
        user_id -> Text,
        phone -> Text,
        code_hash -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    data_exports (id) {
        id -> Text,
        user_id -> Text,
        content -> Text,
        size_bytes -> BigInt,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        email -> Text,
        ip -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    categories (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        assignment_mode -> Text,
        list_price_cents -> Nullable<BigInt>,
        currency -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    partner_profiles (user_id) {
        user_id -> Text,
        business_name -> Text,
        description -> Text,
        phone -> Nullable<Text>,
        website -> Nullable<Text>,
        city -> Text,
        center_lat -> Double,
        center_lon -> Double,
        radius_km -> Double,
        min_lat -> Double,
        max_lat -> Double,
        min_lon -> Double,
        max_lon -> Double,
        tier -> Text,
        status -> Text,
        accepting_leads -> Bool,
        availability -> Text,
        star_score -> Nullable<Double>,
        review_count -> BigInt,
        average_stars -> Nullable<Double>,
        star_score_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        area_place -> Nullable<Text>,
    }
}

diesel::table! {
    partner_categories (partner_id, category_id) {
        partner_id -> Text,
        category_id -> Text,
    }
}

diesel::table! {
    partner_area_cells (cell, category_id, partner_id) {
        cell -> BigInt,
        category_id -> Text,
        partner_id -> Text,
    }
}

diesel::table! {
    connections (id) {
        id -> Text,
        partner_id -> Text,
        kind -> Text,
        occurred_at -> Timestamp,
        viewer_key -> Nullable<Text>,
        request_id -> Nullable<Text>,
        dedup_key -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        actor_id -> Text,
        action -> Text,
        subject_type -> Text,
        subject_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    service_requests (id) {
        id -> Text,
        customer_id -> Text,
        category_id -> Text,
        kind -> Text,
        target_partner_id -> Nullable<Text>,
        description -> Text,
        street -> Text,
        city -> Text,
        postal_code -> Text,
        country -> Text,
        lat -> Double,
        lon -> Double,
        windows -> Text,
        budget_cents -> Nullable<BigInt>,
        budget_currency -> Nullable<Text>,
        photo_urls -> Text,
        contact_phone -> Nullable<Text>,
        status -> Text,
        match_rounds -> Integer,
        assigned_partner_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        time_zone -> Text,
        extra_reach_km -> Double,
    }
}

diesel::table! {
    lead_offers (id) {
        id -> Text,
        request_id -> Text,
        partner_id -> Text,
        status -> Text,
        distance_km -> Double,
        window_start -> Nullable<Timestamp>,
        window_end -> Nullable<Timestamp>,
        star_score -> Nullable<Double>,
        offered_at -> Timestamp,
        expires_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
        message -> Nullable<Text>,
        quote_cents -> Nullable<BigInt>,
        quote_currency -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        fee_bps -> Integer,
        notice_pending -> Bool,
    }
}

diesel::table! {
    lead_cards (offer_id) {
        offer_id -> Text,
        partner_id -> Text,
        live -> Bool,
        status -> Text,
        lead -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        request_id -> Text,
        customer_id -> Text,
        partner_id -> Text,
        status -> Text,
        price_cents -> BigInt,
        currency -> Text,
        scheduled_start -> Nullable<Timestamp>,
        scheduled_end -> Nullable<Timestamp>,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        review_window_ends_at -> Nullable<Timestamp>,
        completion_summary -> Nullable<Text>,
        completion_photos -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        cancelled_at -> Nullable<Timestamp>,
        cancelled_by -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        disputed_at -> Nullable<Timestamp>,
        dispute_reason -> Nullable<Text>,
        resolution -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
        refund_cents -> Nullable<BigInt>,
        resolved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    job_proposals (id) {
        id -> Text,
        job_id -> Text,
        proposed_by -> Text,
        party -> Text,
        slots -> Text,
        status -> Text,
        accepted_slot -> Nullable<Integer>,
        created_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    agreement_signatures (job_id) {
        job_id -> Text,
        customer_id -> Text,
        version -> Integer,
        text_sha256 -> Text,
        typed_name -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        signed_at -> Timestamp,
    }
}

diesel::table! {
    job_events (id) {
        id -> Text,
        job_id -> Text,
        kind -> Text,
        actor -> Text,
        actor_id -> Nullable<Text>,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    penalties (id) {
        id -> Text,
        job_id -> Text,
        user_id -> Text,
        party -> Text,
        reason -> Text,
        amount_cents -> BigInt,
        currency -> Text,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_detail_reads (id) {
        id -> Text,
        job_id -> Text,
        partner_id -> Text,
        read_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        recipient_id -> Text,
        kind -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        stream_seq -> Nullable<BigInt>,
    }
}

diesel::table! {
    event_counters (recipient_id) {
        recipient_id -> Text,
        last_seq -> BigInt,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        user_id -> Text,
        url -> Text,
        description -> Text,
        event_types -> Text,
        enabled -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_type -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        latency_ms -> BigInt,
        response_excerpt -> Nullable<Text>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    notification_preferences (user_id, category) {
        user_id -> Text,
        category -> Text,
        push -> Bool,
        email -> Bool,
    }
}

diesel::table! {
    ratings (id) {
        id -> Text,
        job_id -> Text,
        direction -> Text,
        rater_id -> Text,
        ratee_id -> Text,
        stars -> Integer,
        comment -> Text,
        tags -> Text,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        reply -> Nullable<Text>,
        replied_at -> Nullable<Timestamp>,
        hidden_at -> Nullable<Timestamp>,
        hidden_reason -> Nullable<Text>,
    }
}

diesel::table! {
    monitoring (user_id) {
        user_id -> Text,
        status -> Text,
        reason -> Text,
        average_stars -> Double,
        rating_count -> Integer,
        flagged_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    monitoring_events (id) {
        id -> Text,
        user_id -> Text,
        action -> Text,
        note -> Text,
        actor_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    quiet_hours (user_id) {
        user_id -> Text,
        start_minute -> Integer,
        end_minute -> Integer,
        time_zone -> Text,
        include_job_alerts -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (user_id, idem_key) {
        user_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status_code -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    devices (id) {
        id -> Text,
        user_id -> Text,
        token -> Text,
        platform -> Text,
        app_version -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    outbox_deliveries (outbox_id, target) {
        outbox_id -> Text,
        target -> Text,
        delivered_at -> Timestamp,
    }
}

diesel::table! {
    ledger_accounts (id) {
        id -> Text,
        kind -> Text,
        owner_id -> Text,
        currency -> Text,
        balance_cents -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ledger_transactions (id) {
        id -> Text,
        kind -> Text,
        job_id -> Nullable<Text>,
        payout_id -> Nullable<Text>,
        description -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> Text,
        transaction_id -> Text,
        account_id -> Text,
        amount_cents -> BigInt,
        currency -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payments (id) {
        id -> Text,
        job_id -> Text,
        customer_id -> Text,
        purpose -> Text,
        amount_cents -> BigInt,
        currency -> Text,
        provider -> Text,
        provider_ref -> Nullable<Text>,
        status -> Text,
        failure_code -> Nullable<Text>,
        failure_message -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        charging_until -> Nullable<Timestamp>,
        checkout_id -> Nullable<Text>,
        checkout_url -> Nullable<Text>,
        checkout_expires_at -> Nullable<Timestamp>,
        description -> Text,
    }
}

diesel::table! {
    refunds (id) {
        id -> Text,
        payment_id -> Text,
        job_id -> Text,
        amount_cents -> BigInt,
        currency -> Text,
        reason -> Text,
        status -> Text,
        provider_ref -> Nullable<Text>,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        retries -> Integer,
        description -> Text,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Text,
        provider -> Text,
        event_type -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    payout_methods (partner_id) {
        partner_id -> Text,
        method -> Text,
        mailing_address -> Nullable<Text>,
        bank_account_holder -> Nullable<Text>,
        bank_routing_number -> Nullable<Text>,
        bank_account_number -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    payout_runs (period) {
        period -> Text,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    payouts (id) {
        id -> Text,
        partner_id -> Text,
        period -> Text,
        amount_cents -> BigInt,
        currency -> Text,
        method -> Text,
        destination -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        cleared_at -> Nullable<Timestamp>,
    }
}
diesel::table! {
    conversations (id) {
        id -> Text,
        request_id -> Text,
        customer_id -> Text,
        partner_id -> Text,
        created_at -> Timestamp,
        last_message_id -> Nullable<Text>,
        last_activity_at -> Timestamp,
        activity_key -> Text,
        customer_read_id -> Nullable<Text>,
        partner_read_id -> Nullable<Text>,
        customer_unread -> BigInt,
        partner_unread -> BigInt,
        blocked_by -> Nullable<Text>,
        blocked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    messages (id) {
        id -> Text,
        conversation_id -> Text,
        sender -> Text,
        sender_id -> Nullable<Text>,
        body -> Text,
        masked -> Bool,
        hidden_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    message_reports (id) {
        id -> Text,
        message_id -> Text,
        reporter_id -> Text,
        reason -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
        outcome -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    photos (id) {
        id -> Text,
        owner_id -> Text,
        content_type -> Text,
        byte_size -> BigInt,
        width -> Integer,
        height -> Integer,
        thumb_byte_size -> BigInt,
        created_at -> Timestamp,
        attached_to -> Nullable<Text>,
        attached_id -> Nullable<Text>,
        position -> Integer,
        caption -> Nullable<Text>,
        attached_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    photo_removals (photo_id) {
        photo_id -> Text,
        queued_at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(email_verifications -> users (user_id));
diesel::joinable!(phone_verifications -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(data_exports -> users (user_id));
diesel::table! {
    oauth_apps (id) {
        id -> Text,
        owner_id -> Text,
        name -> Text,
        redirect_uris -> Text,
        logo_url -> Nullable<Text>,
        scopes -> Text,
        secret_hash -> Nullable<Text>,
        created_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oauth_grants (id) {
        id -> Text,
        app_id -> Text,
        user_id -> Text,
        tag -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oauth_codes (id) {
        id -> Text,
        code_hash -> Text,
        grant_id -> Text,
        redirect_uri -> Text,
        scopes -> Text,
        code_challenge -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    oauth_tokens (id) {
        id -> Text,
        grant_id -> Text,
        family_id -> Text,
        kind -> Text,
        token_hash -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(api_keys -> users (user_id));
diesel::joinable!(oauth_grants -> oauth_apps (app_id));
diesel::joinable!(oauth_grants -> users (user_id));
diesel::joinable!(oauth_tokens -> oauth_grants (grant_id));
diesel::joinable!(oauth_codes -> oauth_grants (grant_id));

diesel::joinable!(partner_profiles -> users (user_id));
diesel::joinable!(partner_categories -> partner_profiles (partner_id));
diesel::joinable!(partner_categories -> categories (category_id));
diesel::joinable!(partner_area_cells -> partner_profiles (partner_id));
diesel::joinable!(lead_offers -> service_requests (request_id));
diesel::joinable!(lead_cards -> lead_offers (offer_id));
diesel::joinable!(service_requests -> categories (category_id));
diesel::joinable!(jobs -> service_requests (request_id));
diesel::joinable!(job_proposals -> jobs (job_id));
diesel::joinable!(ratings -> jobs (job_id));
diesel::joinable!(job_events -> jobs (job_id));
diesel::joinable!(penalties -> jobs (job_id));
diesel::joinable!(conversations -> service_requests (request_id));
diesel::joinable!(messages -> conversations (conversation_id));
diesel::joinable!(message_reports -> messages (message_id));
diesel::joinable!(ledger_entries -> ledger_transactions (transaction_id));
diesel::joinable!(ledger_entries -> ledger_accounts (account_id));
diesel::joinable!(refunds -> payments (payment_id));
diesel::joinable!(refunds -> jobs (job_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    password_resets,
    email_verifications,
    phone_verifications,
    sessions,
    data_exports,
    event_counters,
    webhook_endpoints,
    webhook_deliveries,
    webhook_attempts,
    refresh_tokens,
    api_keys,
    login_failures,
    categories,
    partner_profiles,
    partner_categories,
    partner_area_cells,
    connections,
    audit_log,
    service_requests,
    lead_offers,
    lead_cards,
    jobs,
    customer_detail_reads,
    outbox,
    idempotency_keys,
    job_proposals,
    agreement_signatures,
    job_events,
    penalties,
    devices,
    outbox_deliveries,
    notification_preferences,
    quiet_hours,
    ratings,
    monitoring,
    monitoring_events,
    ledger_accounts,
    ledger_transactions,
    ledger_entries,
    payments,
    refunds,
    webhook_events,
    payout_methods,
    payout_runs,
    payouts,
    oauth_apps,
    oauth_grants,
    oauth_codes,
    oauth_tokens,
    conversations,
    messages,
    message_reports,
    photos,
    photo_removals,
);
