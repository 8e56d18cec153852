using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class KeyLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "DueAnnouncedAt",
                table: "IssuedKeys",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ExpiredAnnouncedAt",
                table: "IssuedKeys",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LeakUrl",
                table: "IssuedKeys",
                type: "character varying(2048)",
                maxLength: 2048,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LeakedAt",
                table: "IssuedKeys",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "SupersededAt",
                table: "IssuedKeys",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "UseCount",
                table: "IssuedKeys",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "UseCountAtSupersede",
                table: "IssuedKeys",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "KeyPolicies",
                columns: table => new
                {
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Kind = table.Column<int>(type: "integer", nullable: false),
                    MaxAgeDays = table.Column<int>(type: "integer", nullable: true),
                    WarnDays = table.Column<int>(type: "integer", nullable: false),
                    Enforce = table.Column<bool>(type: "boolean", nullable: false),
                    OnLeak = table.Column<int>(type: "integer", nullable: false),
                    ModifiedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_KeyPolicies", x => new { x.TenantId, x.Kind });
                });

            migrationBuilder.CreateIndex(
                name: "IX_IssuedKeys_TenantId_CreatedAt",
                table: "IssuedKeys",
                columns: new[] { "TenantId", "CreatedAt" });

            // The change feed (migration ChangeFeed): a policy change evicts every instance's cached policies on commit.
            migrationBuilder.Sql("""
                CREATE OR REPLACE TRIGGER portal_setup_changed AFTER INSERT OR UPDATE OR DELETE ON "KeyPolicies"
                FOR EACH STATEMENT EXECUTE FUNCTION portal_notify_setup();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS portal_setup_changed ON "KeyPolicies";""");
            migrationBuilder.DropTable(
                name: "KeyPolicies");

            migrationBuilder.DropIndex(
                name: "IX_IssuedKeys_TenantId_CreatedAt",
                table: "IssuedKeys");

            migrationBuilder.DropColumn(
                name: "DueAnnouncedAt",
                table: "IssuedKeys");

            migrationBuilder.DropColumn(
                name: "ExpiredAnnouncedAt",
                table: "IssuedKeys");

            migrationBuilder.DropColumn(
                name: "LeakUrl",
                table: "IssuedKeys");

            migrationBuilder.DropColumn(
                name: "LeakedAt",
                table: "IssuedKeys");

            migrationBuilder.DropColumn(
                name: "SupersededAt",
                table: "IssuedKeys");

            migrationBuilder.DropColumn(
                name: "UseCount",
                table: "IssuedKeys");

            migrationBuilder.DropColumn(
                name: "UseCountAtSupersede",
                table: "IssuedKeys");
        }
    }
}
