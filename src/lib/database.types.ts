/**
 * The database as the API sees it, generated from the migrations by
 * `npm run gen:types` (supabase/emulator/generate-types.ts). Do not edit by hand.
 */

export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[];

export type Database = {
  public: {
    Tables: {
      attributions: {
        Row: {
          created_at: string;
          event_id: string;
          id: string;
          order_id: string;
          organization_id: string;
          promoter_id: string;
          self_referral: boolean;
          source: Database["public"]["Enums"]["attribution_source"];
          visit_id: string | null;
        };
        Insert: {
          created_at?: string;
          event_id: string;
          id?: string;
          order_id: string;
          organization_id: string;
          promoter_id: string;
          self_referral?: boolean;
          source?: Database["public"]["Enums"]["attribution_source"];
          visit_id?: string | null;
        };
        Update: {
          created_at?: string;
          event_id?: string;
          id?: string;
          order_id?: string;
          organization_id?: string;
          promoter_id?: string;
          self_referral?: boolean;
          source?: Database["public"]["Enums"]["attribution_source"];
          visit_id?: string | null;
        };
        Relationships: [
          {
            foreignKeyName: "attributions_event_id_fkey";
            columns: ["event_id"];
            isOneToOne: false;
            referencedRelation: "events";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "attributions_order_id_fkey";
            columns: ["order_id"];
            isOneToOne: true;
            referencedRelation: "orders";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "attributions_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "attributions_promoter_id_fkey";
            columns: ["promoter_id"];
            isOneToOne: false;
            referencedRelation: "promoters";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "attributions_visit_id_fkey";
            columns: ["visit_id"];
            isOneToOne: false;
            referencedRelation: "promoter_visits";
            referencedColumns: ["id"];
          },
        ];
      };
      event_promoters: {
        Row: {
          active: boolean;
          created_at: string;
          event_id: string;
          id: string;
          organization_id: string;
          promoter_id: string;
          updated_at: string;
        };
        Insert: {
          active?: boolean;
          created_at?: string;
          event_id: string;
          id?: string;
          organization_id: string;
          promoter_id: string;
          updated_at?: string;
        };
        Update: {
          active?: boolean;
          created_at?: string;
          event_id?: string;
          id?: string;
          organization_id?: string;
          promoter_id?: string;
          updated_at?: string;
        };
        Relationships: [
          {
            foreignKeyName: "event_promoters_event_id_fkey";
            columns: ["event_id"];
            isOneToOne: false;
            referencedRelation: "events";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "event_promoters_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "event_promoters_promoter_id_fkey";
            columns: ["promoter_id"];
            isOneToOne: false;
            referencedRelation: "promoters";
            referencedColumns: ["id"];
          },
        ];
      };
      event_slug_history: {
        Row: {
          event_id: string | null;
          organization_id: string;
          retired_at: string;
          slug: string;
        };
        Insert: {
          event_id?: string | null;
          organization_id: string;
          retired_at?: string;
          slug: string;
        };
        Update: {
          event_id?: string | null;
          organization_id?: string;
          retired_at?: string;
          slug?: string;
        };
        Relationships: [
          {
            foreignKeyName: "event_slug_history_event_id_fkey";
            columns: ["event_id"];
            isOneToOne: false;
            referencedRelation: "events";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "event_slug_history_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      events: {
        Row: {
          attribution_window_days: number | null;
          created_at: string;
          currency: string;
          description: string;
          ends_at: string | null;
          id: string;
          name: string;
          organization_id: string;
          referral_code_at_checkout: boolean;
          slug: string;
          starts_at: string;
          status: Database["public"]["Enums"]["event_status"];
          updated_at: string;
          venue: string;
        };
        Insert: {
          attribution_window_days?: number | null;
          created_at?: string;
          currency: string;
          description?: string;
          ends_at?: string | null;
          id?: string;
          name: string;
          organization_id: string;
          referral_code_at_checkout?: boolean;
          slug: string;
          starts_at: string;
          status?: Database["public"]["Enums"]["event_status"];
          updated_at?: string;
          venue?: string;
        };
        Update: {
          attribution_window_days?: number | null;
          created_at?: string;
          currency?: string;
          description?: string;
          ends_at?: string | null;
          id?: string;
          name?: string;
          organization_id?: string;
          referral_code_at_checkout?: boolean;
          slug?: string;
          starts_at?: string;
          status?: Database["public"]["Enums"]["event_status"];
          updated_at?: string;
          venue?: string;
        };
        Relationships: [
          {
            foreignKeyName: "events_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      order_items: {
        Row: {
          created_at: string;
          id: string;
          order_id: string;
          organization_id: string;
          quantity: number;
          ticket_type_id: string;
          unit_price_minor: number;
        };
        Insert: {
          created_at?: string;
          id?: string;
          order_id: string;
          organization_id: string;
          quantity: number;
          ticket_type_id: string;
          unit_price_minor: number;
        };
        Update: {
          created_at?: string;
          id?: string;
          order_id?: string;
          organization_id?: string;
          quantity?: number;
          ticket_type_id?: string;
          unit_price_minor?: number;
        };
        Relationships: [
          {
            foreignKeyName: "order_items_order_id_fkey";
            columns: ["order_id"];
            isOneToOne: false;
            referencedRelation: "orders";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "order_items_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "order_items_ticket_type_id_fkey";
            columns: ["ticket_type_id"];
            isOneToOne: false;
            referencedRelation: "ticket_types";
            referencedColumns: ["id"];
          },
        ];
      };
      orders: {
        Row: {
          attribution_outcome: string | null;
          attribution_session_id: string | null;
          attribution_visit_id: string | null;
          buyer_email: string;
          buyer_name: string;
          created_at: string;
          currency: string;
          event_id: string;
          id: string;
          idempotency_key: string;
          organization_id: string;
          reference: string;
          refunded_at: string | null;
          status: Database["public"]["Enums"]["order_status"];
          ticket_count: number;
          total_minor: number;
        };
        Insert: {
          attribution_outcome?: string | null;
          attribution_session_id?: string | null;
          attribution_visit_id?: string | null;
          buyer_email: string;
          buyer_name: string;
          created_at?: string;
          currency: string;
          event_id: string;
          id?: string;
          idempotency_key: string;
          organization_id: string;
          reference: string;
          refunded_at?: string | null;
          status?: Database["public"]["Enums"]["order_status"];
          ticket_count: number;
          total_minor: number;
        };
        Update: {
          attribution_outcome?: string | null;
          attribution_session_id?: string | null;
          attribution_visit_id?: string | null;
          buyer_email?: string;
          buyer_name?: string;
          created_at?: string;
          currency?: string;
          event_id?: string;
          id?: string;
          idempotency_key?: string;
          organization_id?: string;
          reference?: string;
          refunded_at?: string | null;
          status?: Database["public"]["Enums"]["order_status"];
          ticket_count?: number;
          total_minor?: number;
        };
        Relationships: [
          {
            foreignKeyName: "orders_event_id_fkey";
            columns: ["event_id"];
            isOneToOne: false;
            referencedRelation: "events";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "orders_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      organization_invitations: {
        Row: {
          accepted_at: string | null;
          accepted_by: string | null;
          created_at: string;
          email: string;
          expires_at: string;
          id: string;
          invited_by: string | null;
          organization_id: string;
          revoked_at: string | null;
          role: Database["public"]["Enums"]["organization_role"];
          token_hash: string;
        };
        Insert: {
          accepted_at?: string | null;
          accepted_by?: string | null;
          created_at?: string;
          email: string;
          expires_at?: string;
          id?: string;
          invited_by?: string | null;
          organization_id: string;
          revoked_at?: string | null;
          role: Database["public"]["Enums"]["organization_role"];
          token_hash: string;
        };
        Update: {
          accepted_at?: string | null;
          accepted_by?: string | null;
          created_at?: string;
          email?: string;
          expires_at?: string;
          id?: string;
          invited_by?: string | null;
          organization_id?: string;
          revoked_at?: string | null;
          role?: Database["public"]["Enums"]["organization_role"];
          token_hash?: string;
        };
        Relationships: [
          {
            foreignKeyName: "organization_invitations_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      organization_members: {
        Row: {
          created_at: string;
          organization_id: string;
          role: Database["public"]["Enums"]["organization_role"];
          user_id: string;
        };
        Insert: {
          created_at?: string;
          organization_id: string;
          role?: Database["public"]["Enums"]["organization_role"];
          user_id: string;
        };
        Update: {
          created_at?: string;
          organization_id?: string;
          role?: Database["public"]["Enums"]["organization_role"];
          user_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "organization_members_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      organizations: {
        Row: {
          attribution_window_days: number | null;
          count_self_referrals: boolean;
          created_at: string;
          currency: string;
          id: string;
          name: string;
          portal_show_rank: boolean;
          portal_show_revenue: boolean;
          referral_code_at_checkout: boolean;
        };
        Insert: {
          attribution_window_days?: number | null;
          count_self_referrals?: boolean;
          created_at?: string;
          currency?: string;
          id?: string;
          name: string;
          portal_show_rank?: boolean;
          portal_show_revenue?: boolean;
          referral_code_at_checkout?: boolean;
        };
        Update: {
          attribution_window_days?: number | null;
          count_self_referrals?: boolean;
          created_at?: string;
          currency?: string;
          id?: string;
          name?: string;
          portal_show_rank?: boolean;
          portal_show_revenue?: boolean;
          referral_code_at_checkout?: boolean;
        };
        Relationships: [];
      };
      promoter_code_history: {
        Row: {
          id: string;
          organization_id: string;
          promo_code: string;
          promoter_id: string;
          retired_at: string;
        };
        Insert: {
          id?: string;
          organization_id: string;
          promo_code: string;
          promoter_id: string;
          retired_at?: string;
        };
        Update: {
          id?: string;
          organization_id?: string;
          promo_code?: string;
          promoter_id?: string;
          retired_at?: string;
        };
        Relationships: [
          {
            foreignKeyName: "promoter_code_history_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "promoter_code_history_promoter_id_fkey";
            columns: ["promoter_id"];
            isOneToOne: false;
            referencedRelation: "promoters";
            referencedColumns: ["id"];
          },
        ];
      };
      promoter_group_members: {
        Row: {
          created_at: string;
          group_id: string;
          organization_id: string;
          promoter_id: string;
        };
        Insert: {
          created_at?: string;
          group_id: string;
          organization_id: string;
          promoter_id: string;
        };
        Update: {
          created_at?: string;
          group_id?: string;
          organization_id?: string;
          promoter_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "promoter_group_members_group_id_fkey";
            columns: ["group_id"];
            isOneToOne: false;
            referencedRelation: "promoter_groups";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "promoter_group_members_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "promoter_group_members_promoter_id_fkey";
            columns: ["promoter_id"];
            isOneToOne: false;
            referencedRelation: "promoters";
            referencedColumns: ["id"];
          },
        ];
      };
      promoter_groups: {
        Row: {
          color: string | null;
          created_at: string;
          id: string;
          name: string;
          organization_id: string;
        };
        Insert: {
          color?: string | null;
          created_at?: string;
          id?: string;
          name: string;
          organization_id: string;
        };
        Update: {
          color?: string | null;
          created_at?: string;
          id?: string;
          name?: string;
          organization_id?: string;
        };
        Relationships: [
          {
            foreignKeyName: "promoter_groups_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      promoter_visits: {
        Row: {
          created_at: string;
          event_id: string;
          id: string;
          organization_id: string;
          promoter_id: string;
          session_id: string;
          source: Database["public"]["Enums"]["visit_source"];
          token: string;
          visited_at: string;
        };
        Insert: {
          created_at?: string;
          event_id: string;
          id?: string;
          organization_id: string;
          promoter_id: string;
          session_id: string;
          source?: Database["public"]["Enums"]["visit_source"];
          token: string;
          visited_at?: string;
        };
        Update: {
          created_at?: string;
          event_id?: string;
          id?: string;
          organization_id?: string;
          promoter_id?: string;
          session_id?: string;
          source?: Database["public"]["Enums"]["visit_source"];
          token?: string;
          visited_at?: string;
        };
        Relationships: [
          {
            foreignKeyName: "promoter_visits_event_id_fkey";
            columns: ["event_id"];
            isOneToOne: false;
            referencedRelation: "events";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "promoter_visits_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "promoter_visits_promoter_id_fkey";
            columns: ["promoter_id"];
            isOneToOne: false;
            referencedRelation: "promoters";
            referencedColumns: ["id"];
          },
        ];
      };
      promoters: {
        Row: {
          active_on_future_events: boolean;
          created_at: string;
          email: string | null;
          id: string;
          name: string;
          notes: string | null;
          organization_id: string;
          phone: string | null;
          promo_code: string;
          updated_at: string;
        };
        Insert: {
          active_on_future_events?: boolean;
          created_at?: string;
          email?: string | null;
          id?: string;
          name: string;
          notes?: string | null;
          organization_id: string;
          phone?: string | null;
          promo_code: string;
          updated_at?: string;
        };
        Update: {
          active_on_future_events?: boolean;
          created_at?: string;
          email?: string | null;
          id?: string;
          name?: string;
          notes?: string | null;
          organization_id?: string;
          phone?: string | null;
          promo_code?: string;
          updated_at?: string;
        };
        Relationships: [
          {
            foreignKeyName: "promoters_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
      ticket_types: {
        Row: {
          capacity: number;
          created_at: string;
          event_id: string;
          id: string;
          name: string;
          organization_id: string;
          price_minor: number;
          sold: number;
          sort_order: number;
        };
        Insert: {
          capacity: number;
          created_at?: string;
          event_id: string;
          id?: string;
          name: string;
          organization_id: string;
          price_minor: number;
          sold?: number;
          sort_order?: number;
        };
        Update: {
          capacity?: number;
          created_at?: string;
          event_id?: string;
          id?: string;
          name?: string;
          organization_id?: string;
          price_minor?: number;
          sold?: number;
          sort_order?: number;
        };
        Relationships: [
          {
            foreignKeyName: "ticket_types_event_id_fkey";
            columns: ["event_id"];
            isOneToOne: false;
            referencedRelation: "events";
            referencedColumns: ["id"];
          },
          {
            foreignKeyName: "ticket_types_organization_id_fkey";
            columns: ["organization_id"];
            isOneToOne: false;
            referencedRelation: "organizations";
            referencedColumns: ["id"];
          },
        ];
      };
    };
    Views: {
      [_ in never]: never;
    };
    Functions: {
      accept_invitation: {
        Args: {
          p_token: string;
        };
        Returns: Json | null;
      };
      bulk_activate_promoters: {
        Args: {
          p_organization_id: string;
          p_event_id: string;
          p_promoter_ids: string[];
        };
        Returns: Json;
      };
      check_referral_code: {
        Args: {
          p_event_slug: string;
          p_referral_code: string;
        };
        Returns: boolean;
      };
      checkout: {
        Args: {
          p_event_slug: string;
          p_items: Json;
          p_buyer_name: string;
          p_buyer_email: string;
          p_idempotency_key: string;
          p_attribution_token?: string;
          p_referral_code?: string;
        };
        Returns: Json;
      };
      confirm_promoter_deletion: {
        Args: {
          p_promoter_id: string;
          p_token: string;
          p_promo_code: string;
        };
        Returns: Json;
      };
      create_organization: {
        Args: {
          p_name: string;
          p_currency?: string;
        };
        Returns: {
          attribution_window_days: number | null;
          count_self_referrals: boolean;
          created_at: string;
          currency: string;
          id: string;
          name: string;
          portal_show_rank: boolean;
          portal_show_revenue: boolean;
          referral_code_at_checkout: boolean;
        };
      };
      disable_promoter_portal: {
        Args: {
          p_promoter_id: string;
        };
        Returns: Json;
      };
      event_performance: {
        Args: {
          p_organization_id: string;
        };
        Returns: {
          event_id: string;
          tickets: number;
          revenue_minor: number;
          orders: number;
          attributed_tickets: number;
          attributed_revenue_minor: number;
        }[];
      };
      import_promoters: {
        Args: {
          p_organization_id: string;
          p_rows: Json;
          p_dry_run?: boolean;
        };
        Returns: Json;
      };
      invitation_preview: {
        Args: {
          p_token: string;
        };
        Returns: Json | null;
      };
      invite_member: {
        Args: {
          p_organization_id: string;
          p_email: string;
          p_role?: string;
        };
        Returns: Json;
      };
      is_promo_code_available: {
        Args: {
          p_organization_id: string;
          p_promo_code: string;
          p_promoter_id?: string | null;
        };
        Returns: boolean;
      };
      list_orders: {
        Args: {
          p_organization_id: string;
          p_search?: string;
          p_event_id?: string;
          p_promoter_id?: string;
          p_unattributed?: boolean;
          p_status?: Database["public"]["Enums"]["order_status"];
          p_from?: string;
          p_to?: string;
          p_after_id?: string;
          p_limit?: number;
          p_self_referral?: boolean;
        };
        Returns: {
          id: string;
          reference: string;
          created_at: string;
          status: Database["public"]["Enums"]["order_status"];
          refunded_at: string | null;
          buyer_name: string;
          buyer_email: string;
          event_id: string;
          event_name: string;
          ticket_count: number;
          total_minor: number;
          currency: string;
          promoter_id: string | null;
          promoter_name: string | null;
          promo_code: string | null;
          self_referral: boolean;
        }[];
      };
      order_detail: {
        Args: {
          p_order_id: string;
        };
        Returns: Json;
      };
      organization_live_topic: {
        Args: {
          p_organization_id: string;
        };
        Returns: string;
      };
      organization_member_list: {
        Args: {
          p_organization_id: string;
        };
        Returns: {
          user_id: string;
          email: string;
          role: Database["public"]["Enums"]["organization_role"];
          joined_at: string;
        }[];
      };
      portal_view: {
        Args: {
          p_secret: string;
        };
        Returns: Json | null;
      };
      promoter_group_performance: {
        Args: {
          p_organization_id: string;
          p_from?: string;
          p_to?: string;
        };
        Returns: {
          group_id: string;
          name: string;
          color: string | null;
          promoters: number;
          tickets: number;
          revenue_minor: number;
          orders: number;
          visits: number;
          conversion_rate: number | null;
        }[];
      };
      promoter_performance: {
        Args: {
          p_organization_id: string;
          p_from?: string;
          p_to?: string;
          p_group_id?: string;
          p_search?: string;
        };
        Returns: {
          promoter_id: string;
          name: string;
          promo_code: string;
          email: string | null;
          phone: string | null;
          created_at: string;
          group_ids: string[];
          tickets: number;
          revenue_minor: number;
          orders: number;
          visits: number;
          active_events: number;
          conversion_rate: number | null;
          self_referral_orders: number;
        }[];
      };
      promoter_portal_status: {
        Args: {
          p_promoter_id: string;
        };
        Returns: Json;
      };
      promoter_sales_timeseries: {
        Args: {
          p_promoter_id: string;
          p_from: string;
          p_to: string;
        };
        Returns: {
          day: string;
          tickets: number;
          revenue_minor: number;
          orders: number;
          visits: number;
        }[];
      };
      promoter_source_split: {
        Args: {
          p_promoter_id: string;
        };
        Returns: {
          source: Database["public"]["Enums"]["attribution_source"];
          visits: number;
          orders: number;
          tickets: number;
          revenue_minor: number;
        }[];
      };
      promoter_summary: {
        Args: {
          p_organization_id: string;
          p_from?: string;
          p_to?: string;
          p_group_id?: string;
          p_search?: string;
        };
        Returns: {
          promoters: number;
          tickets: number;
          revenue_minor: number;
          orders: number;
          visits: number;
          conversion_rate: number | null;
          currency: string;
        }[];
      };
      refund_order: {
        Args: {
          p_order_id: string;
        };
        Returns: {
          attribution_outcome: string | null;
          attribution_session_id: string | null;
          attribution_visit_id: string | null;
          buyer_email: string;
          buyer_name: string;
          created_at: string;
          currency: string;
          event_id: string;
          id: string;
          idempotency_key: string;
          organization_id: string;
          reference: string;
          refunded_at: string | null;
          status: Database["public"]["Enums"]["order_status"];
          ticket_count: number;
          total_minor: number;
        };
      };
      request_promoter_deletion: {
        Args: {
          p_promoter_id: string;
        };
        Returns: Json;
      };
      resolve_event_slug: {
        Args: {
          p_slug: string;
        };
        Returns: string;
      };
      revoke_invitation: {
        Args: {
          p_invitation_id: string;
        };
        Returns: string;
      };
      rotate_promoter_portal: {
        Args: {
          p_promoter_id: string;
        };
        Returns: Json;
      };
      save_event: {
        Args: {
          p_organization_id: string;
          p_event_id: string | null;
          p_name: string;
          p_slug: string;
          p_description: string;
          p_venue: string;
          p_starts_at: string;
          p_ticket_types: Json;
        };
        Returns: string;
      };
      save_promoter: {
        Args: {
          p_organization_id: string;
          p_promoter_id: string | null;
          p_name: string;
          p_promo_code: string;
          p_email: string | null;
          p_phone: string | null;
          p_notes: string | null;
          p_event_ids?: string[] | null;
          p_group_ids?: string[] | null;
          p_active_on_future_events?: boolean | null;
        };
        Returns: string;
      };
      set_attribution_settings: {
        Args: {
          p_organization_id: string;
          p_attribution_window_days: number | null;
          p_referral_code_at_checkout: boolean;
        };
        Returns: Json;
      };
      set_portal_settings: {
        Args: {
          p_organization_id: string;
          p_show_revenue: boolean | null;
          p_show_rank: boolean | null;
        };
        Returns: Json;
      };
      set_self_referral_setting: {
        Args: {
          p_organization_id: string;
          p_count_self_referrals: boolean;
        };
        Returns: Json;
      };
      track_promoter_visit: {
        Args: {
          p_event_slug: string;
          p_promo_code: string;
          p_session_id: string;
          p_source?: Database["public"]["Enums"]["visit_source"];
        };
        Returns: string | null;
      };
    };
    Enums: {
      attribution_message_kind: "sale" | "refund" | "removed";
      attribution_source: "link" | "qr" | "referral_code";
      event_status: "draft" | "published" | "cancelled";
      order_status: "paid" | "refunded";
      organization_role: "owner" | "admin" | "member";
      visit_source: "link" | "qr";
    };
    CompositeTypes: {
      [_ in never]: never;
    };
  };
};

type PublicSchema = Database["public"];

export type Tables<T extends keyof PublicSchema['Tables']> = PublicSchema['Tables'][T]['Row'];
export type TablesInsert<T extends keyof PublicSchema['Tables']> = PublicSchema['Tables'][T]['Insert'];
export type TablesUpdate<T extends keyof PublicSchema['Tables']> = PublicSchema['Tables'][T]['Update'];
export type Enums<T extends keyof PublicSchema['Enums']> = PublicSchema['Enums'][T];
export type FunctionArgs<T extends keyof PublicSchema['Functions']> = PublicSchema['Functions'][T]['Args'];
export type FunctionReturns<T extends keyof PublicSchema['Functions']> = PublicSchema['Functions'][T]['Returns'];

/** Every stable error code the database raises (the error's `message`), read from the function bodies. */
export const ErrorCodes = ["already_member", "capacity_below_sold", "deletion_code_mismatch", "deletion_expired", "deletion_not_requested", "email_not_confirmed", "event_not_found", "event_not_on_sale", "group_not_found", "idempotency_key_reused", "import_refused", "import_too_large", "invalid_attribution_window", "invalid_buyer_email", "invalid_buyer_name", "invalid_capacity", "invalid_currency", "invalid_cursor", "invalid_date_range", "invalid_description", "invalid_email", "invalid_event_name", "invalid_idempotency_key", "invalid_import_rows", "invalid_items", "invalid_name", "invalid_notes", "invalid_phone", "invalid_price", "invalid_promo_code", "invalid_promoter_ids", "invalid_quantity", "invalid_referral_code_setting", "invalid_role", "invalid_self_referral_setting", "invalid_slug", "invalid_starts_at", "invalid_ticket_name", "invalid_ticket_types", "invalid_venue", "invitation_already_accepted", "invitation_email_mismatch", "invitation_expired", "invitation_revoked", "last_owner", "not_authorized", "order_already_refunded", "order_not_found", "organization_mismatch", "price_changed", "promo_code_taken", "promoter_not_found", "slug_taken", "sold_out", "ticket_type_has_sales", "ticket_type_not_found", "too_many_attempts", "too_many_checkouts", "too_many_referral_code_attempts"] as const;
export type ErrorCode = (typeof ErrorCodes)[number];

/** The payload of an "attribution" broadcast on the organization topic (promoter null for the refund of an order credited to nobody); revenue in minor units of currency, tickets and revenue of paid orders only for removed. (private.attribution_message) */
export interface AttributionMessage {
  kind: Database["public"]["Enums"]["attribution_message_kind"];
  promoter_id: string | null;
  promoter_name: string | null;
  event_id: string;
  order_id: string | null;
  tickets: number;
  revenue_minor: number;
  currency: string | null;
}

/** An event slug: lower-case words of letters and digits joined by single hyphens (3 to 80 characters in all). (private.event_slug_pattern) */
export const eventSlugPattern = "^[a-z0-9]+(-[a-z0-9]+)*$";

/** The longest attribution window an organization may choose, in days (the shortest is 1). (private.max_attribution_window_days) */
export const maxAttributionWindowDays = 90;

/** The most promoters one import_promoters() call accepts. (private.max_import_rows) */
export const maxImportRows = 1000;

/** The most tickets a single order may hold across its ticket types. (private.max_tickets_per_order) */
export const maxTicketsPerOrder = 100;

/** The most tickets of one type a single order may hold. (private.max_tickets_per_type) */
export const maxTicketsPerType = 50;

/** The private realtime topic of an organization: org:<organization id>:<topic key>. (private.organization_topic) */
export const organizationTopic = (organizationId: string, topicKey: string): string => `org:${organizationId}:${topicKey}`;

/** A promo code: 3 to 32 letters, digits, hyphens or underscores (POSIX regular expression, also valid in JavaScript). (private.promo_code_pattern) */
export const promoCodePattern = "^[A-Za-z0-9_-]{3,32}$";

export const Constants = {
  public: {
    Enums: {
      attribution_message_kind: ["sale", "refund", "removed"],
      attribution_source: ["link", "qr", "referral_code"],
      event_status: ["draft", "published", "cancelled"],
      order_status: ["paid", "refunded"],
      organization_role: ["owner", "admin", "member"],
      visit_source: ["link", "qr"],
    },
  },
} as const;
