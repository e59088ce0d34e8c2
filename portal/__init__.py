"""The portal's domain: user accounts, submitted forms and their statuses, the signed identity,
and the records of chat conversations. Above ``storage``; below the web app, the actions and
the support desk."""
