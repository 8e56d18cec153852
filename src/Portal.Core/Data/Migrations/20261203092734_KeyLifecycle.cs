using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Migrations
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
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ExpiredAnnouncedAt",
                table: "IssuedKeys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "LeakUrl",
                table: "IssuedKeys",
                type: "TEXT",
                maxLength: 2048,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LeakedAt",
                table: "IssuedKeys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "SupersededAt",
                table: "IssuedKeys",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "UseCount",
                table: "IssuedKeys",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "UseCountAtSupersede",
                table: "IssuedKeys",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "KeyPolicies",
                columns: table => new
                {
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    MaxAgeDays = table.Column<int>(type: "INTEGER", nullable: true),
                    WarnDays = table.Column<int>(type: "INTEGER", nullable: false),
                    Enforce = table.Column<bool>(type: "INTEGER", nullable: false),
                    OnLeak = table.Column<int>(type: "INTEGER", nullable: false),
                    ModifiedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_KeyPolicies", x => new { x.TenantId, x.Kind });
                });

            migrationBuilder.CreateIndex(
                name: "IX_IssuedKeys_TenantId_CreatedAt",
                table: "IssuedKeys",
                columns: new[] { "TenantId", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
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
