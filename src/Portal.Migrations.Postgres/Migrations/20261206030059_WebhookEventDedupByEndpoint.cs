using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class WebhookEventDedupByEndpoint : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The new unique index first: a repeated webhook-id is refused throughout.
            migrationBuilder.CreateIndex(
                name: "IX_WebhookEvents_ConfigId_BindingId_WebhookId",
                table: "WebhookEvents",
                columns: new[] { "ConfigId", "BindingId", "WebhookId" },
                unique: true);

            migrationBuilder.DropIndex(
                name: "IX_WebhookEvents_ConfigId",
                table: "WebhookEvents");

            // Expand, not contract: IX_WebhookEvents_TenantId_ConfigId_BindingId_WebhookId stays for one release. An
            // instance of the previous build, still running during a rolling upgrade, names it in its ON CONFLICT; the
            // same rows are unique under both. (That build's arbiter is the old index only: two instances inserting the
            // same webhook-id at the same moment may meet the new index as a unique violation, which fails that batch
            // until the old build is gone; this build names no target, so either index skips the repeat.) A later
            // migration drops it (by name: the model no longer has it). SQLite has one instance and drops it at once.
            // The index is built inside the migration's transaction, not CONCURRENTLY: ingest writes wait for the build.
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WebhookEvents_ConfigId_BindingId_WebhookId",
                table: "WebhookEvents");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookEvents_ConfigId",
                table: "WebhookEvents",
                column: "ConfigId");
        }
    }
}
