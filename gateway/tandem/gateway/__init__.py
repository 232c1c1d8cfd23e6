"""The GraphQL gateway: it owns no data and asks the services over HTTP."""
