ALTER TABLE "checks" DROP CONSTRAINT "checks_account_id_accounts_id_fk";
