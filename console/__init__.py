"""Staff console: review conversations, find where the assistant failed, export corrections."""
